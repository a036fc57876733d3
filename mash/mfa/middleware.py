"""No page without a verified second factor."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode

# The only views a signed-in but unverified session may reach (by URL name): the steps it still owes, and leaving.
UNVERIFIED_ALLOWED = frozenset({"login", "logout", "healthz", "mfa_verify", "mfa_enrol", "mfa_recovery_codes"})
PASSKEY_UNVERIFIED_ALLOWED = frozenset({"credential-authentication-begin", "credential-authentication-complete",
                                        "js-i18n-catalog"})


class RequireVerifiedMiddleware:
    """After django-otp's OTPMiddleware: a signed-in user whose session has not given a code is sent to the code
    step (or, with no device yet, to set one up) from every page, the Django admin's included. Signed-out visitors
    are left to LoginRequiredMiddleware. A background refresh is sent there as a whole page (HX-Redirect)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.url_name in UNVERIFIED_ALLOWED and not match.namespace:
            return None
        if match is not None and match.namespace == "otp_webauthn" and match.url_name in PASSKEY_UNVERIFIED_ALLOWED:
            return None  # the code step's passkey (never adding one: that needs a verified session)
        from .services import has_confirmed_device

        step = "mfa_verify" if has_confirmed_device(user) else "mfa_enrol"
        url = resolve_url(step)
        path = request.get_full_path() if request.method == "GET" else ""
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        if step == "mfa_verify" and path and path != resolve_url(settings.LOGIN_REDIRECT_URL):
            url += "?" + urlencode({"next": path})
        return redirect(url)
