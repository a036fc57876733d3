from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("", views.contact_queue, name="queue"),
    path("new/", views.contact_new, name="new"),
    path("<str:reference>/", views.contact_detail, name="detail"),
]
