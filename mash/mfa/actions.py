from django.db import models

from mash.audit import register_actions


class MfaAction(models.TextChoices):
    ENROLLED = "mfa.enrolled", "Second factor set up"
    VERIFY_FAILED = "mfa.verify_failed", "Second factor: wrong code"
    RECOVERY_CODE_USED = "mfa.recovery_code_used", "Signed in with a recovery code"
    RESET = "mfa.reset", "Second factor reset"
    PASSKEY_ADDED = "mfa.passkey_added", "Passkey or security key added"


register_actions(MfaAction)
