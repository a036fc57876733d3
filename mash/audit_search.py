"""Searching the audit log (administrators): by who, when, what kind and which record, newest first, a page at a
time. Keyset paging on (at, id), the table's own order: each page reads its rows from one of the log's indexes
(audit_actor_at, audit_action_at, audit_label_at, or `at` alone), so its cost grows with the page, never with
the log. Searching is itself audited."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .audit import audit_record, registered_actions
from .forms import GovukDateField
from .models import AuditAction, AuditEvent

PAGE_SIZE = 50


def action_choices() -> list[tuple[str, str]]:
    """Every registered kind of audit row, by its label."""
    return [("", "Any kind"), *sorted(registered_actions().items(), key=lambda item: item[1].lower())]


class AuditSearchForm(forms.Form):
    username = forms.CharField(label="User name", required=False, max_length=150,
                               help_text="Who did it (their sign-in name), or leave empty for anyone")
    kind = forms.ChoiceField(label="Kind", required=False, choices=())
    reference = forms.CharField(label="Record", required=False, max_length=200,
                                help_text="A record's reference as the log names it, for example C-2026-000123")
    date_from = GovukDateField(label="From", noun="From date", help_text="For example, 1 11 2026")
    date_to = GovukDateField(label="To", noun="To date", help_text="Up to and including this day")
    after = forms.CharField(required=False, widget=forms.HiddenInput)  # the page's keyset: "<at>|<id>"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = action_choices()

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username__iexact=name).first()
        if user is None:
            raise forms.ValidationError("No user has that user name")
        return user

    def clean_after(self):
        raw = self.cleaned_data["after"].strip()
        if not raw:
            return None
        at, _, pk = raw.partition("|")
        try:
            return datetime.fromisoformat(at), int(pk)
        except ValueError:
            raise forms.ValidationError("That page cannot be found: search again") from None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("date_to", "To date must be the same as or after the from date")
        return data


@dataclass
class AuditPage:
    rows: list
    next_after: str  # the keyset of the next (older) page, "" when this is the last


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_search(*, actor, user=None, kind: str = "", reference: str = "", date_from: date | None = None,
                 date_to: date | None = None, after: tuple | None = None, page_size: int = PAGE_SIZE) -> AuditPage:
    """One page of the audit rows matching every filter given, newest first; `after` the previous page's last
    (at, id). Audited: who searched, and for what (no row's contents)."""
    rows = AuditEvent.objects.all()
    if user is not None:
        rows = rows.filter(actor=user)
    if kind:
        rows = rows.filter(action=kind)
    if reference:
        rows = rows.filter(target_label=reference.strip())
    if date_from:
        rows = rows.filter(at__gte=_day_start(date_from))
    if date_to:
        rows = rows.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    found = list(rows.select_related("actor", "target_type").order_by("-at", "-id")[: page_size + 1])
    more = len(found) > page_size
    found = found[:page_size]
    audit_record(actor=actor, action=AuditAction.AUDIT_SEARCHED, changes={
        "user": user.pk if user is not None else None, "kind": kind, "reference": reference.strip(),
        "from": date_from.isoformat() if date_from else "", "to": date_to.isoformat() if date_to else "",
        "page_after": f"{after[0].isoformat()}|{after[1]}" if after else ""})
    last = found[-1] if found else None
    return AuditPage(rows=found, next_after=f"{last.at.isoformat()}|{last.pk}" if more and last else "")
