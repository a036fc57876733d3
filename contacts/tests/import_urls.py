"""The project's URLs with the notifications import page wired as contacts/urls.py will wire it."""

from django.urls import include, path

import contacts.urls
import mash.urls
from contacts import views_import

IMPORT = path("import/", views_import.notifications_import_page, name="import")

urlpatterns = [
    path("contacts/", include(([IMPORT, *contacts.urls.urlpatterns], "contacts"))),
    *[p for p in mash.urls.urlpatterns if str(p.pattern) != "contacts/"],
]
