"""Who has looked at this child: for managers, every recorded look at a person and their contacts."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mash.access import Role, deny_unless, has_role
from mash.audit import action_label

from . import selectors, services


@require_GET
def person_looks(request, pk: int):
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    page = Paginator(selectors.looks_at_person(person), 50).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.label = action_label(event.action)
    services.person_looks_view(actor=request.user, person=person)
    return render(request, "contacts/person_looks.html", {"person": person, "page": page})
