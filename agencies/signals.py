"""Sign-ins and sign-outs go in the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from mash.audit import audit_record
from mash.models import AuditAction


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.USER_LOGGED_IN, target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.USER_LOGGED_OUT, target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        actor=None,
        action=AuditAction.USER_LOGIN_FAILED,
        changes={"username": str(credentials.get("username", ""))[:150]},
    )
