from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("contact/<str:reference>/record/", views.consent_new, name="record"),
    path("contact/<str:reference>/propose/", views.sharing_propose, name="propose"),
    path("contact/<str:reference>/decision-aid/", views.decision_aid, name="aid"),
    path("contact/<str:reference>/anonymous-referrer/", views.referrer_anonymous, name="anonymous"),
    path("records/<int:pk>/withdraw/", views.consent_withdraw, name="withdraw"),
    path("decisions/<int:pk>/", views.sharing_decide, name="decide"),
    path("flags/<int:pk>/clear/", views.flag_clear, name="flag_clear"),
    path("people/<int:pk>/", views.shared_about, name="shared"),
    path("people/<int:pk>/export/", views.export_html, name="export"),
    path("people/<int:pk>/export.json", views.export_json, name="export_json"),
]
