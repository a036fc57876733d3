from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.returns, name="returns"),
    path("annex-a/", views.annex_a_start, name="annex_a"),
    path("cin-census/", views.cin_census_start, name="cin_census"),
    path("exports/<int:pk>/", views.export_progress, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("performance/", views.performance_dashboard, name="performance"),
    path("performance/<slug:key>.csv", views.performance_csv, name="performance_csv"),
    path("referrals/<int:pk>/nfa/", views.referral_nfa, name="referral_nfa"),
]
