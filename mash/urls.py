from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import include, path, reverse

from . import session_timeout, views
from .forms import SignInForm
from .mfa import passkeys as mfa_passkeys
from .mfa import views as mfa_views

admin.site.site_header = "MASH front door: administration"
admin.site.site_title = "MASH administration"


@login_not_required
def _admin_sign_in(request, extra_context=None):
    """The admin has no sign-in of its own: the service's, with its second step, is the only way in. Someone signed
    in whom the admin refuses (not staff) is sent home, not round again."""
    if request.user.is_authenticated:
        return redirect("home")
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def _admin_has_permission(request):
    """Staff, active, and verified with a second factor (RequireVerifiedMiddleware already sends everyone else to
    the code step; this holds even if the middleware were taken out)."""
    user = request.user
    return user.is_active and user.is_staff and getattr(user, "is_verified", lambda: False)()


admin.site.login = _admin_sign_in
admin.site.has_permission = _admin_has_permission

urlpatterns = [
    path("", views.home, name="home"),
    path("no-role/", views.no_role, name="no_role"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True,
                                     authentication_form=SignInForm),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", mfa_views.verify, name="mfa_verify"),
    path("two-factor/set-up/", mfa_views.enrol, name="mfa_enrol"),
    path("two-factor/recovery-codes/", mfa_views.recovery_codes, name="mfa_recovery_codes"),
    path("two-factor/passkeys/", mfa_views.passkey_list, name="mfa_passkeys"),
    path("two-factor/passkeys/api/", include((mfa_passkeys.urlpatterns, "otp_webauthn"))),
    path("two-factor/people/", mfa_views.people, name="mfa_people"),
    path("two-factor/people/<int:pk>/reset/", mfa_views.reset, name="mfa_reset"),
    path("session/keep-alive/", session_timeout.keep_alive, name="session_keep_alive"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("at-risk/<int:pk>/", views.escalation_detail, name="escalation"),
    path("at-risk/<int:pk>/acknowledge/", views.escalation_acknowledge, name="escalation_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("health/sweep/", views.sweep_health, name="sweep_health"),
    path("audit/", views.audit_search, name="audit_search"),
    path("contacts/", include("contacts.urls")),
    path("", include("enquiries.urls")),  # the partner portal (partner/) and the MASH side of enquiries (enquiries/)
    path("consent/", include("consent.urls")),
    path("reports/", include("reports.urls")),
    path("retention/", include("retention.urls")),
    path("admin/", admin.site.urls),
]
