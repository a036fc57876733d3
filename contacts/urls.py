from django.urls import path

from . import (
    views,
    views_chronology,
    views_drafts,
    views_import,
    views_looks,
    views_outcome,
    views_restrict,
    views_search,
    views_work,
)

app_name = "contacts"
urlpatterns = [
    path("", views_work.contact_queue, name="queue"),
    path("mine/", views_work.my_work, name="mine"),
    path("returned/", views_work.returned_queue, name="returned"),
    path("manage/", views_work.manager_queue, name="manager_queue"),
    path("new/", views.contact_new, name="new"),
    path("import/", views_import.notifications_import_page, name="import"),
    path("drafts/<slug:form>/save/", views_drafts.draft_save, name="draft_save_new"),
    path("drafts/<slug:form>/save/<str:reference>/", views_drafts.draft_save, name="draft_save"),
    path("drafts/<slug:form>/discard/", views_drafts.draft_discard, name="draft_discard_new"),
    path("drafts/<slug:form>/discard/<str:reference>/", views_drafts.draft_discard, name="draft_discard"),
    path("search/", views_search.person_search, name="search"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/merge/", views.person_merge, name="person_merge"),
    path("people/<int:pk>/looked-at/", views_looks.person_looks, name="person_looks"),
    path("<str:reference>/restrict/", views_restrict.contact_restrict, name="restrict"),
    path("people/<int:pk>/chronology/", views_chronology.child_chronology, name="chronology"),
    path("people/<int:pk>/chronology/print/", views_chronology.child_chronology_print, name="chronology_print"),
    path("<str:reference>/", views.contact_detail, name="detail"),
    path("<str:reference>/screen/", views.contact_screen, name="screen"),
    path("<str:reference>/take/", views_work.contact_take, name="take"),
    path("<str:reference>/assign/", views_work.contact_assign, name="assign"),
    path("<str:reference>/take-over/", views_work.contact_take_over, name="take_over"),
    path("<str:reference>/decide/", views.rating_decide, name="decide"),
    path("<str:reference>/return/", views.rating_return, name="return"),
    path("<str:reference>/revise/", views.rating_revise, name="revise"),
    path("<str:reference>/outcome/", views_outcome.outcome_decide, name="outcome"),
    path("<str:reference>/pass-to-allocated-worker/", views.pass_to_allocated, name="pass_allocated"),
]
