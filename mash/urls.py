from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import session_timeout, views

admin.site.site_header = "MASH front door: administration"
admin.site.site_title = "MASH administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("no-role/", views.no_role, name="no_role"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keep-alive/", session_timeout.keep_alive, name="session_keep_alive"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("at-risk/<int:pk>/", views.escalation_detail, name="escalation"),
    path("at-risk/<int:pk>/acknowledge/", views.escalation_acknowledge, name="escalation_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("health/sweep/", views.sweep_health, name="sweep_health"),
    path("contacts/", include("contacts.urls")),
    path("", include("enquiries.urls")),  # the partner portal (partner/) and the MASH side of enquiries (enquiries/)
    path("consent/", include("consent.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
