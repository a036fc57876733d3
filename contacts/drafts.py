"""Drafts of the long forms: what someone has typed, saved on the server for them alone, so that an idle sign-out
(or a closed tab, or a crash) loses nothing. Saved by an explicit "Save draft" button that works without JavaScript,
and every few seconds while typing with it (static/js/drafts.js); restored when the form is opened again; deleted
when the form is submitted or the draft discarded.

A draft is keyed by its author, the form and the contact it is about. Nobody else ever reads it: the selector
takes the user, and the services write only the actor's own row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from mash.audit import audit_record
from mash.errors import DomainError

from .actions import ContactAction
from .codes import ContactState
from .models import Contact, FormDraft


@dataclass(frozen=True)
class DraftForm:
    label: str
    perm: str  # who may keep a draft of it: whoever may submit it
    about_contact: bool  # False: the form records a new contact


DRAFT_FORMS: dict[str, DraftForm] = {
    "contact": DraftForm("Record a contact", "contacts.add_contact", about_contact=False),
    "screening": DraftForm("Screening", "contacts.add_screening", about_contact=True),
    "decide": DraftForm("Decision on the rating", "contacts.decide_rating", about_contact=True),
    "return": DraftForm("Comments for the screener", "contacts.decide_rating", about_contact=True),
    "outcome": DraftForm("Outcome", "contacts.add_outcome", about_contact=True),
}

# Inputs that are the form's buttons or its CSRF token, not answers.
NOT_ANSWERS = frozenset({"csrfmiddlewaretoken", "save_draft", "discard_draft", "suggest", "confirm", "change",
                         "add_child", "add_adult", "save"})
INPUT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
MAX_INPUTS = 500  # the contact form with 12 children and 12 adults posts about 250
MAX_VALUE_LENGTH = 25_000  # more than the longest answer a form takes (the concern: 20,000)
MAX_TOTAL_LENGTH = 500_000
UNKNOWN_FORM = "That form cannot keep a draft"
TOO_LONG = f"An answer in a draft can be at most {MAX_VALUE_LENGTH:,} characters: shorten it, then save again"
TOO_BIG = "This draft is too big to save: shorten the longest answers, then save again"


def _form(form: str, contact: Contact | None) -> DraftForm:
    spec = DRAFT_FORMS.get(form)
    if spec is None or spec.about_contact != (contact is not None):
        raise DomainError(UNKNOWN_FORM)
    return spec


def _answers(data) -> dict[str, list[str]]:
    """The answers of a post, as a draft keeps them: every input but the buttons, each a list of strings."""
    getlist = data.getlist if hasattr(data, "getlist") else lambda key: list(data[key]) if isinstance(
        data[key], (list, tuple)) else [data[key]]
    answers: dict[str, list[str]] = {}
    total = 0
    for key in data:
        if key in NOT_ANSWERS:
            continue
        if not INPUT_NAME.match(key) or len(answers) >= MAX_INPUTS:
            raise DomainError(TOO_BIG)
        values = []
        for value in getlist(key):
            value = str(value).replace("\x00", "")  # PostgreSQL's JSON cannot hold NUL; nobody types it
            if len(value) > MAX_VALUE_LENGTH:
                raise DomainError(TOO_LONG)
            total += len(value)
            values.append(value)
        answers[key] = values
    if total > MAX_TOTAL_LENGTH:
        raise DomainError(TOO_BIG)
    return answers


def draft_save(*, actor, form: str, contact: Contact | None = None, data) -> FormDraft:
    """Keep what `actor` has typed into `form` (about `contact`), replacing their earlier draft of it.

    The draft is not judged: half-typed dates and empty answers are what a draft is for. Only its size is limited.
    The first save of a draft is audited (who started a draft of what), not every save after it.
    """
    spec = _form(form, contact)
    if not actor.has_perm(spec.perm):
        raise DomainError(UNKNOWN_FORM)
    answers = _answers(data)
    with transaction.atomic():
        draft = FormDraft.objects.select_for_update().filter(user=actor, form=form, contact=contact).first()
        now = timezone.now()
        if draft is None:
            draft = FormDraft.objects.create(user=actor, form=form, contact=contact, data=answers, saved_at=now)
            audit_record(actor=actor, action=ContactAction.DRAFT_SAVED, target=contact,
                         changes={"form": form, "draft": draft.pk})
        else:
            draft.data, draft.saved_at = answers, now
            draft.save(update_fields=["data", "saved_at"])
    return draft


def draft_discard(*, actor, form: str, contact: Contact | None = None, submitted: bool = False) -> bool:
    """Delete `actor`'s draft of `form` (about `contact`): discarded by them (audited), or used by the form's
    submit (`submitted`: the submit is the record). True if there was one."""
    _form(form, contact)
    with transaction.atomic():
        deleted, _ = FormDraft.objects.filter(user=actor, form=form, contact=contact).delete()
        if deleted and not submitted:
            audit_record(actor=actor, action=ContactAction.DRAFT_DISCARDED, target=contact, changes={"form": form})
    return bool(deleted)


def draft_for(*, user, form: str, contact: Contact | None = None) -> FormDraft | None:
    """`user`'s own draft of `form` about `contact`, if they kept one. Nobody reads another person's draft."""
    if not getattr(user, "is_authenticated", False) or form not in DRAFT_FORMS:
        return None
    return FormDraft.objects.filter(user=user, form=form, contact=contact).first()


def draft_data(draft: FormDraft) -> QueryDict:
    """A draft's answers as a form reads a post."""
    data = QueryDict(mutable=True)
    for key, values in (draft.data or {}).items():
        data.setlist(key, [str(v) for v in values] if isinstance(values, list) else [str(values)])
    return data


def drafts_purge(*, now=None) -> int:
    """Delete the drafts nobody will come back to: those not saved for DRAFT_KEEP_DAYS, and any about a contact
    that is closed (its forms can no longer be submitted). A draft holds what was typed about a family, so it is
    kept no longer than the work needs it. Returns how many were deleted. Run by beat (contacts.tasks)."""
    now = now or timezone.now()
    stale = Q(saved_at__lt=now - timedelta(days=settings.DRAFT_KEEP_DAYS))
    closed = Q(contact__state=ContactState.CLOSED)
    deleted, _ = FormDraft.objects.filter(stale | closed).delete()
    return deleted
