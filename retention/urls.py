from django.urls import path

from . import views

app_name = "retention"
urlpatterns = [
    path("", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/approve/", views.review_approve, name="approve"),
    path("reviews/<int:pk>/keep/", views.review_keep, name="keep"),
    path("reviews/<int:pk>/destroy/", views.destruction_confirm, name="destroy"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:pk>/lift/", views.hold_lift, name="lift"),
    path("holds/person/<int:pk>/", views.hold_person, name="hold_person"),
]
