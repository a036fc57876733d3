"""The second step of signing in, enrolment, and a manager's reset of someone's second factor."""

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from mash.access import Role, has_role, require_role
from mash.forms import run_service

from . import passkeys, services
from .forms import CodeForm, EnrolForm

RECOVERY_SESSION_KEY = "mash.mfa.recovery_codes"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # a path of this site only: redirect() would take any other word for a view's name (NoReverseMatch, a 500)
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return ""


def qr_svg(data: str) -> str:
    """The QR code of `data` as an SVG image inlined in the page as a data: address (the CSP allows data: images;
    nothing is fetched, and the secret never reaches a log or another server)."""
    from base64 import b64encode

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, border=4)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode()


@require_http_methods(["GET", "POST"])
def verify(request):
    if request.user.is_verified():
        return redirect(_next(request) or "home")
    if not services.has_confirmed_device(request.user):
        return redirect("mfa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and run_service(
            form, services.mfa_verify, request=request, code=form.cleaned_data["code"]):
        return redirect(_next(request) or "home")
    return render(request, "mfa/verify.html", {"form": form, "next": _next(request),
                                               "has_app": services.has_app(request.user),
                                               "has_passkey": passkeys.has_passkey(request.user)},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def enrol(request):
    if request.user.is_verified():
        return redirect("home")
    if services.has_confirmed_device(request.user):
        return redirect("mfa_verify")
    device = services.enrolment_device(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = run_service(form, services.mfa_enrol, request=request, device=device,
                               code=form.cleaned_data["code"])
        if enrolled:
            request.session[RECOVERY_SESSION_KEY] = enrolled.recovery_codes
            return redirect("mfa_recovery_codes")
    secret = b32encode(device.bin_key).decode()
    return render(request, "mfa/enrol.html", {
        "form": form, "qr_code": qr_svg(device.config_url),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def recovery_codes(request):
    """The recovery codes, shown once, right after enrolment."""
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    if not codes:
        return redirect("home")
    return render(request, "mfa/recovery_codes.html", {"codes": codes})


@require_http_methods(["GET"])
@require_role(Role.MANAGER, Role.ADMIN)
def people(request):
    """The people whose second factor this manager may reset: their own agency's (an administrator: everyone)."""
    users = get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    if not has_role(request.user, Role.ADMIN):
        users = users.filter(agency_id=request.user.agency_id)
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    enrolled = set(TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    with_passkeys = set(WebAuthnCredential.objects.filter(user__in=users).values_list("user_id", flat=True))
    rows = [{"user": user, "enrolled": user.pk in enrolled | with_passkeys, "passkeys": user.pk in with_passkeys,
             "may_reset": services.may_reset(request.user, user)}
            for user in users]
    return render(request, "mfa/people.html", {"rows": rows})


@require_POST
@require_role(Role.MANAGER, Role.ADMIN)
def reset(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    if not services.may_reset(request.user, user):
        # someone outside the manager's agency: they never learn more than "not found"
        from django.http import Http404

        raise Http404
    services.mfa_reset(actor=request.user, user=user)
    messages.success(request, f"{user.get_full_name() or user.get_username()} sets up a new second factor "
                              "the next time they sign in.")
    return redirect("mfa_people")



@require_http_methods(["GET"])
def passkey_list(request):
    """Your passkeys and security keys, and adding one (the library's script does the ceremony; without JavaScript,
    or in a browser without WebAuthn, the page says so and the authenticator app stays the way in)."""
    return render(request, "mfa/passkeys.html", {"passkeys": passkeys.passkeys_of(request.user)})
