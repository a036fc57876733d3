from django.urls import path

from . import views, views_chronology, views_drafts, views_import, views_outcome

app_name = "contacts"
urlpatterns = [
    path("", views.contact_queue, name="queue"),
    path("returned/", views.returned_queue, name="returned"),
    path("manage/", views.manager_queue, name="manager_queue"),
    path("new/", views.contact_new, name="new"),
    path("import/", views_import.notifications_import_page, name="import"),
    path("drafts/<slug:form>/save/", views_drafts.draft_save, name="draft_save_new"),
    path("drafts/<slug:form>/save/<str:reference>/", views_drafts.draft_save, name="draft_save"),
    path("drafts/<slug:form>/discard/", views_drafts.draft_discard, name="draft_discard_new"),
    path("drafts/<slug:form>/discard/<str:reference>/", views_drafts.draft_discard, name="draft_discard"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("people/<int:pk>/chronology/", views_chronology.child_chronology, name="chronology"),
    path("people/<int:pk>/chronology/print/", views_chronology.child_chronology_print, name="chronology_print"),
    path("<str:reference>/", views.contact_detail, name="detail"),
    path("<str:reference>/screen/", views.contact_screen, name="screen"),
    path("<str:reference>/decide/", views.rating_decide, name="decide"),
    path("<str:reference>/return/", views.rating_return, name="return"),
    path("<str:reference>/revise/", views.rating_revise, name="revise"),
    path("<str:reference>/outcome/", views_outcome.outcome_decide, name="outcome"),
    path("<str:reference>/pass-to-allocated-worker/", views.pass_to_allocated, name="pass_allocated"),
]
