from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.returns, name="returns"),
    path("annex-a/", views.annex_a_download, name="annex_a"),
    path("cin-census/", views.cin_census_download, name="cin_census"),
    path("performance/", views.performance_dashboard, name="performance"),
    path("performance/<slug:key>.csv", views.performance_csv, name="performance_csv"),
    path("referrals/<int:pk>/nfa/", views.referral_nfa, name="referral_nfa"),
]
