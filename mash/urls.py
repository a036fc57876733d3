from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

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
    path("contacts/", include("contacts.urls")),
    path("partner/", include("enquiries.urls")),
    path("admin/", admin.site.urls),
]
