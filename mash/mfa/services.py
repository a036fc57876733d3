"""Writes of the second factor: enrolment, verification, a manager's reset. Each one transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mash.access import Role, has_role
from mash.audit import audit_record
from mash.errors import DomainError

from .actions import MfaAction

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_confirmed_device(user) -> bool:
    """An authenticator app or a passkey to give at the code step."""
    from .passkeys import has_passkey

    return has_app(user) or has_passkey(user)


def enrolment_device(*, user) -> TOTPDevice:
    """The unconfirmed app device this user is setting up (made on first ask, the same one after a reload, so the QR
    code they scanned stays good)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
        return device


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]


def mfa_enrol(*, request, device: TOTPDevice, code: str) -> Enrolled:
    """Confirm the app device with a code from it, give the user fresh recovery codes, and verify this session."""
    user = request.user
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError("A second factor is already set up for you: sign in with a code from it",
                              field="code")
        if not code.isdigit() or not device.verify_token(code):
            raise DomainError("Enter the 6-digit code your authenticator app shows now", field="code")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(user=user)
        audit_record(actor=user, action=MfaAction.ENROLLED, target=user, changes={"device": device.name})
    otp_login(request, device)
    return Enrolled(device=device, recovery_codes=codes)


def recovery_codes_replace(*, user) -> list[str]:
    """A new set of single-use recovery codes (the old ones stop working)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def mfa_verify(*, request, code: str):
    """Verify this session with a code from the app, or one recovery code (used up by this). Wrong codes are
    throttled by django-otp (each failure doubles the wait) and audited."""
    user = request.user
    code = (code or "").strip().replace(" ", "").replace("-", "").lower()
    device = None
    if code:
        with transaction.atomic():
            if code.isdigit():
                for candidate in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                    if candidate.verify_token(code):
                        device = candidate
                        break
            else:
                for candidate in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
                    if candidate.verify_token(code):
                        device = candidate
                        audit_record(actor=user, action=MfaAction.RECOVERY_CODE_USED, target=user,
                                     changes={"left": candidate.token_set.count()})
                        break
    if device is None:
        with transaction.atomic():
            audit_record(actor=user, action=MfaAction.VERIFY_FAILED, target=user)
        raise DomainError("The code is not right, or has been used: enter the code your app shows now, or an "
                          "unused recovery code", field="code")
    otp_login(request, device)
    return device


def may_reset(actor, user) -> bool:
    """A manager resets the second factor of someone in their own agency, an administrator anyone's; nobody their
    own (ask a colleague: a reset is what a stolen password would want)."""
    if actor.pk == user.pk or not actor.is_active:
        return False
    if has_role(actor, Role.ADMIN):
        return True
    return has_role(actor, Role.MANAGER) and getattr(actor, "agency_id", None) == getattr(user, "agency_id", None)


def mfa_reset(*, actor, user) -> int:
    """Remove every second factor of `user` (app, recovery codes, passkeys and security keys): their next sign-in
    sets one up again. Audited."""
    if not may_reset(actor, user):
        raise DomainError("You may not reset this person's second factor", field=None)
    from django_otp_webauthn.models import WebAuthnCredential

    with transaction.atomic():
        apps, spares = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
        passkeys = WebAuthnCredential.objects.filter(user=user)
        passkeys_removed = passkeys.count()
        removed = apps.count() + spares.count() + passkeys_removed
        apps.delete()
        spares.delete()
        passkeys.delete()
        audit_record(actor=actor, action=MfaAction.RESET, target=user,
                     changes={"devices_removed": removed, "passkeys_removed": passkeys_removed})
    return removed
