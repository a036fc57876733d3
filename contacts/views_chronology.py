"""A child's chronology and family network: one page (and a printable version of it), every view audited."""

from datetime import datetime, time, timedelta

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import chronology, selectors
from .forms import ChronologyFilterForm


def _bounds(data) -> tuple[datetime | None, datetime | None]:
    """The form's dates as the span of whole days they mean, in London time: from the start of the first day
    to the end of the last."""
    start = data.get("date_from")
    end = data.get("date_to")
    tz = timezone.get_current_timezone()
    return (datetime.combine(start, time.min, tzinfo=tz) if start else None,
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None)


def _page(request, pk: int, *, printed: bool):
    person = selectors.get_person_for_user(request.user, pk)
    kinds = [(source.kind, source.label) for source in chronology.sources()]
    form = ChronologyFilterForm(request.GET or None, kinds=kinds)
    filters, status = {}, 200
    if form.is_bound:
        if form.is_valid():
            filters = form.cleaned_data
        else:
            status = 400  # the errors are shown; the chronology is shown unfiltered
    date_from, date_to = _bounds(filters)
    events, query = chronology.child_chronology(user=request.user, person=person, kinds=filters.get("kinds") or None,
                                                date_from=date_from, date_to=date_to)
    linked = chronology.linked_people(query)
    chronology.chronology_record_view(actor=request.user, person=person, filters=filters, printed=printed)
    query_string = request.GET.urlencode()
    return render(request, "contacts/chronology_print.html" if printed else "contacts/chronology.html", {
        "person": person, "form": form, "events": events, "linked": linked, "contacts": query.contacts,
        "network": chronology.network_drawing(person, linked), "filtered": bool(filters),
        "query_string": query_string, "printed_at": timezone.now(),
        "kind_labels": dict(kinds),
    }, status=status)


@require_GET
def child_chronology(request, pk: int):
    return _page(request, pk, printed=False)


@require_GET
def child_chronology_print(request, pk: int):
    return _page(request, pk, printed=True)
