from django.urls import path

from . import views

app_name = "enquiries"
urlpatterns = [
    # The partner portal: their agency's requests only.
    path("partner/", views.partner_inbox, name="inbox"),
    path("partner/requests/<int:pk>/", views.partner_request, name="partner_request"),
    path("partner/requests/<int:pk>/claim/", views.request_claim, name="claim"),
    path("partner/requests/<int:pk>/give/", views.request_give, name="give"),
    path("partner/requests/<int:pk>/return/", views.return_form, name="return"),
    path("partner/requests/<int:pk>/nil-return/", views.nil_return, name="nil_return"),
    path("partner/requests/<int:pk>/decline/", views.request_decline, name="decline"),
    # The MASH side.
    path("enquiries/", views.board, name="board"),
    path("enquiries/contact/<str:reference>/open/", views.enquiry_open, name="open"),
    path("enquiries/<int:pk>/ask/", views.enquiry_ask, name="ask"),
    path("enquiries/<int:pk>/close/", views.enquiry_close, name="close"),
    path("enquiries/requests/<int:pk>/", views.staff_request, name="request"),
    path("enquiries/requests/<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("enquiries/requests/<int:pk>/chase/", views.request_chase, name="chase"),
    path("enquiries/requests/<int:pk>/shorten/", views.request_shorten, name="shorten"),
    path("enquiries/returns/<int:pk>/sensitive/", views.return_sensitive, name="sensitive"),
]
