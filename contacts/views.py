from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mash import polling, site
from mash.access import deny_unless, require_perms
from mash.audit import action_label, audit_trail
from mash.errors import DomainError
from mash.forms import add_domain_errors, initial_from_data, run_service

from . import census, drafts, guidance, matching, selectors, services, stamps, views_decisions
from .actions import NOT_IN_TIMELINE
from .codes import CHILD_ROLES, ContactState
from .forms import (
    AdultFormSet,
    CensusFactsForm,
    ChildForm,
    ChildFormSet,
    ContactForm,
    MergeForm,
    PassToAllocatedForm,
    RatingDecisionForm,
    ReturnForm,
    RevisionForm,
    ScreeningForm,
)
from .models import Person
from .views_drafts import draft_context


def _answers_with_another_row(post):
    """'Add another child' / 'Add an adult' without JavaScript: the same answers back, one more blank row."""
    form = ContactForm(initial=initial_from_data(ContactForm, post))

    def rows(prefix, formset_class, add):
        total = post.get(f"{prefix}-TOTAL_FORMS") or "0"
        total = min(int(total), formset_class.max_num) if total.isdigit() else 0
        answers = [initial_from_data(ChildForm, post, prefix=f"{prefix}-{i}") for i in range(total)]
        if add:
            answers.append({})
        return formset_class(prefix=prefix, initial=answers[: formset_class.max_num])

    return (form, rows("children", ChildFormSet, "add_child" in post),
            rows("adults", AdultFormSet, "add_adult" in post))


def _resolve_matches(forms, user) -> bool:
    """Show candidates for each new person; the screener must link or confirm new. Never merges."""
    ok = True
    for form in forms:
        data = form.cleaned_data
        form.candidates = matching.find_candidates(
            user=user, first_name=data["first_name"], last_name=data["last_name"],
            date_of_birth=data.get("date_of_birth"), nhs_number=data.get("nhs_number", ""),
            postcode=data.get("postcode", ""),
        )
        # Candidates shown while recording are children's details drawn for this person: audited, one row each.
        services.people_found(actor=user, people=[candidate.person for candidate in form.candidates])
        choice = data.get("match") or ""
        allowed = {"new", *[str(c.person.pk) for c in form.candidates]}
        if form.candidates and choice not in allowed:
            form.add_error(None, "This may be someone already known: choose who this is")
            ok = False
        elif form.candidates.restricted and choice not in allowed:
            # Who it may be is not said: the screener asks a manager, then says whether this is a new person.
            form.add_error(None, f"{matching.RESTRICTED_MAY_MATCH}, then choose who this is")
            ok = False
        elif choice not in allowed and choice not in ("", "new"):
            form.add_error(None, "Choose who this is from the list")
            ok = False
    return ok


def _contact_inputs(form, formsets) -> dict:
    """What the screener typed, as the service takes it; a person links to a known record when chosen."""
    def people(formset):
        out = []
        for _, subject in formset.filled():
            choice = subject.cleaned_data.get("match") or "new"
            out.append(subject.to_input(person_id=int(choice) if choice.isdigit() else None))
        return out

    names = ("received_at", "channel", "referrer_name", "referrer_role", "referrer_organisation", "referrer_phone",
             "referrer_email", "referral_source", "concern", "presenting_factors", "consent_answer", "consent_detail",
             "immediate_risk")
    return {**{name: form.cleaned_data.get(name) for name in names},
            "children": people(formsets["children"]), "adults": people(formsets["adults"])}


def _renumbered(error: DomainError, formsets) -> DomainError:
    """The service numbers the people it was given; the page numbers its rows (blank rows are skipped)."""
    positions = {group: [i for i, _ in formset.filled()] for group, formset in formsets.items()}
    errors = []
    for name, message in error.errors:
        group, _, rest = (name or "").partition("-")
        index, _, field = rest.partition("-")
        if group in positions and index.isdigit() and int(index) < len(positions[group]):
            name = f"{group}-{positions[group][int(index)]}-{field}"
        errors.append((name, message))
    return DomainError(errors=errors)


@require_http_methods(["GET", "POST"])
@require_perms("contacts.add_contact")
def contact_new(request):
    drafting = draft_context(request, "contact", restore=request.method == "GET")
    if request.method == "POST" and ("add_child" in request.POST or "add_adult" in request.POST):
        form, formset, adults = _answers_with_another_row(request.POST)
        return render(request, "contacts/contact_form.html",
                      {"form": form, "formset": formset, "adults": adults, **drafting})

    if request.method == "POST":
        form = ContactForm(request.POST)
        formset = ChildFormSet(request.POST, prefix="children")
        adults = AdultFormSet(request.POST, prefix="adults")
        formsets = {"children": formset, "adults": adults}
        # A double submit: the first submit's contact stands, whatever the second would have asked.
        key = form.fields["submission_key"].clean(request.POST.get("submission_key")) if form.is_valid() else None
        done = services.contact_submitted(key)
        if done is not None and selectors.contacts_visible_to(request.user).filter(pk=done.pk).exists():
            return redirect(done)
        if form.is_valid() & formset.is_valid() & adults.is_valid():
            inputs = _contact_inputs(form, formsets)
            try:
                # The rules first, so nobody is asked who a person is before what they typed is right.
                services.contact_check(**inputs)
            except DomainError as error:
                add_domain_errors(_renumbered(error, formsets), form, formsets)
            else:
                if _resolve_matches([f for fs in formsets.values() for _, f in fs.filled()], request.user):
                    inputs = _contact_inputs(form, formsets)
                    try:
                        contact = services.contact_create(actor=request.user, submission_key=key, **inputs)
                    except DomainError as error:
                        add_domain_errors(_renumbered(error, formsets), form, formsets)
                    else:
                        drafts.draft_discard(actor=request.user, form="contact", submitted=True)
                        messages.success(request, f"Contact {contact.reference} recorded. It is awaiting screening.")
                        return redirect(contact)
        status = 400
    elif drafting["draft_data"] is not None:
        # The person's own draft, shown again as they left it (unjudged: no error messages yet).
        form, formset, adults = _answers_with_another_row(drafting["draft_data"])
        status = 200
    else:
        form = ContactForm()
        formset = ChildFormSet(prefix="children")
        adults = AdultFormSet(prefix="adults")
        status = 200
    return render(request, "contacts/contact_form.html",
                  {"form": form, "formset": formset, "adults": adults, **drafting}, status=status)


def _detail_context(request, contact, **extra):
    # Views of the record are audited but are not steps of the work: leave them out in the query, or a
    # much-viewed contact's timeline would be crowded out of the page.
    trail = list(audit_trail(contact).exclude(action__in=NOT_IN_TIMELINE)[:200])
    for event in trail:
        event.label = action_label(event.action)
        changes = event.changes or {}
        event.note = changes.get("reason") or changes.get("comments") or changes.get("summary") or ""
    open_contact = contact.state != ContactState.CLOSED
    allocated = [s.person for s in contact.subjects.all() if s.role in CHILD_ROLES and s.person.allocated_worker_id]
    return {
        "contact": contact,
        "trail": trail,
        "history": selectors.history_at_a_glance(contact, user=request.user),
        "candidates": selectors.match_candidates(contact, user=request.user) if open_contact else {},
        "pending": selectors.pending_rating(contact),
        "allocated": allocated,
        "repeat_threshold": settings.REPEAT_CONTACT_THRESHOLD,
        # What other apps show on the contact page (consent, enquiries), each checking its own access.
        "panels": site.panels("contact", request, contact),
        **extra,
    }


def _page_scopes(reference: str) -> list[str] | None:
    """What a contact's page is drawn from, as far as its address says: the contact's own scope and what each panel
    other apps put on it is drawn from (None: a panel did not say, so it is drawn each time)."""
    panels = site.page_scopes("contact", reference)
    # Not the clocks' own scope ("deadlines", raised by every save of any clocked row): the page is drawn again each
    # minute, so the sweep's marks (Breached) show within one, as its clocks' words do.
    return None if panels is None else [stamps.contact_scope(reference), *panels]


def _content(request, contact, **extra) -> str:
    return render_to_string("contacts/_contact_content.html", _detail_context(request, contact, **extra), request)


@require_GET
def contact_detail(request, reference: str):
    """The contact's page. Each view checks access and is audited; what the page shows is kept drawn (mash.polling.
    part) under the versions of everything it is drawn from: the contact and its timeline, its people and their other
    contacts, who may be them, the panels', and the user's own; and for the minute (its clocks
    count minutes) and the day (ages). A change to any of them draws it again, at once, for everyone."""
    contact, people = selectors.contact_page_scopes(request.user, reference)  # its people's versions, read with it
    services.contact_record_view(actor=request.user, contact=contact)
    scopes = _page_scopes(contact.reference)

    def draw() -> str:
        return _content(request, selectors.get_contact_for_user(request.user, reference))

    if scopes is None:
        html = draw()
    else:
        now = timezone.localtime()
        request.mash_versions = {**(getattr(request, "mash_versions", None) or {}), **people}
        html = polling.part(request, "contact-page", [*scopes, *people], draw,
                            vary=f"{contact.reference}|{now:%Y-%m-%d %H:%M}")
    return render(request, "contacts/contact_detail.html", {"contact": contact, "content": mark_safe(html)})  # noqa: S308


# The versions the page is kept drawn under, read with the user at the start of the request (mash.principal): a page
# unchanged since it was drawn costs no query to find so (its people's are read with them: contact_page_scopes).
contact_detail.poll_scopes = lambda request, reference: _page_scopes(reference) or []


@require_http_methods(["GET", "POST"])
def contact_screen(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_screening"))
    document = selectors.active_threshold_document()
    if request.method == "POST" and "suggest" in request.POST:
        if contact.assigned_screener_id != request.user.pk:
            return render(request, "contacts/screen_owner.html", {"contact": contact})
        return views_decisions.screening_page(request, contact, document, suggest=True)
    if request.method == "POST":
        form = ScreeningForm(request.POST, document=document)
        if form.is_valid() and run_service(form, services.screening_submit, actor=request.user, contact=contact,
                                           **form.cleaned_data):
            drafts.draft_discard(actor=request.user, form="screening", contact=contact, submitted=True)
            messages.success(
                request, f"Rating proposed for {contact.reference}. It is awaiting a manager's approval."
            )
            return redirect(contact)
        return views_decisions.screening_page(request, contact, document, form=form, status=400)
    if contact.state != ContactState.AWAITING_SCREENING:
        messages.info(request, "This contact is not awaiting screening.")
        return redirect(contact)
    if contact.assigned_screener_id != request.user.pk:
        # Before anyone types: who has it (take it over with a reason), or take it first (contacts.views_work).
        return render(request, "contacts/screen_owner.html", {"contact": contact})
    return views_decisions.screening_page(request, contact, document)


@require_http_methods(["GET", "POST"])
def rating_decide(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.decide_rating"))
    pending = selectors.pending_rating(contact)
    if pending is None:
        messages.info(request, "There is no rating awaiting approval on this contact.")
        return redirect(contact)
    if request.method == "POST":
        form = RatingDecisionForm(request.POST, proposed=pending.proposed_brag)
        if form.is_valid() and run_service(form, services.rating_decide, actor=request.user, contact=contact,
                                           **form.cleaned_data):
            drafts.draft_discard(actor=request.user, form="decide", contact=contact, submitted=True)
            messages.success(request, f"Rating for {contact.reference} decided.")
            return redirect(contact)
        return views_decisions.decide_page(request, contact, pending, form=form, return_form=ReturnForm(),
                                           status=400)
    return views_decisions.decide_page(request, contact, pending)


@require_POST
def rating_return(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.decide_rating"))
    pending = selectors.pending_rating(contact)
    form = ReturnForm(request.POST)
    if pending is not None and form.is_valid() and run_service(
            form, services.rating_return, actor=request.user, contact=contact, **form.cleaned_data):
        drafts.draft_discard(actor=request.user, form="return", contact=contact, submitted=True)
        messages.success(request, f"{contact.reference} returned to the screener.")
        return redirect(contact)
    if pending is None:
        return redirect(contact)
    decide_form = RatingDecisionForm(proposed=pending.proposed_brag)
    return views_decisions.decide_page(request, contact, pending, form=decide_form, return_form=form, status=400)


@require_POST
def rating_revision_withdraw(request, reference: str):
    """The manager who proposed a revision withdraws it (nobody else could decide it while they are the only one)."""
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.decide_rating"))
    pending = selectors.pending_rating(contact)
    if pending is None:
        messages.info(request, "There is no revision awaiting approval on this contact.")
        return redirect(contact)
    form = views_decisions.WithdrawRevisionForm(request.POST)
    if form.is_valid() and run_service(form, services.rating_revision_withdraw, actor=request.user, contact=contact,
                                       **form.cleaned_data):
        messages.success(request, f"Revision withdrawn. The approved rating of {contact.reference} stands.")
        return redirect(contact)
    return views_decisions.decide_page(request, contact, pending, withdraw_form=form, status=400)


@require_http_methods(["GET", "POST"])
def rating_revise(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_rating"))
    document = selectors.active_threshold_document()
    form = RevisionForm(request.POST or None, document=document, rating_hints=guidance.rating_hints(document))
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.rating_propose_revision, actor=request.user,
                                           contact=contact, **form.cleaned_data):
            messages.success(request, "Revised rating proposed. Another manager must approve it.")
            return redirect(contact)
        return render(request, "contacts/revise.html", {"contact": contact, "form": form}, status=400)
    return render(request, "contacts/revise.html", {"contact": contact, "form": form})


@require_POST
def pass_to_allocated(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("contacts.add_screening"))
    people = Person.objects.filter(subject_of__contact=contact, allocated_worker__isnull=False).select_related(
        "allocated_worker")
    form = PassToAllocatedForm(request.POST, people=people)
    if form.is_valid() and run_service(form, services.contact_pass_to_allocated_worker, actor=request.user,
                                       contact=contact, **form.cleaned_data):
        messages.success(request, f"{contact.reference} passed to the allocated worker, who has been notified.")
        return redirect(contact)
    return render(request, "contacts/contact_detail.html", {
        "contact": contact, "error": True, "content": mark_safe(_content(request, contact, pass_form=form))},  # noqa: S308
        status=400)


def _possible_duplicates(person: Person, user) -> list[matching.Candidate]:
    """Other records that may be this person: shown on their page, merged only by a manager's decision."""
    if person.merged_into_id is not None:
        return []
    return matching.find_candidates(
        user=user, first_name=person.first_name, last_name=person.last_name, date_of_birth=person.date_of_birth,
        nhs_number=person.nhs_number, postcode=person.postcode, exclude_ids=(person.pk,),
    )


def _merge_form(candidates, data=None) -> MergeForm:
    return MergeForm(data, candidates=Person.objects.filter(pk__in=[c.person.pk for c in candidates]))


@require_GET
def person_detail(request, pk: int):
    person = selectors.get_person_for_user(request.user, pk)
    services.person_record_view(actor=request.user, person=person)
    subjects = (person.subject_of.filter(selectors.visible_through(request.user, "contact"))
                .select_related("contact", "contact__outcome").order_by("-contact__received_at"))
    candidates = _possible_duplicates(person, request.user)
    form = _merge_form(candidates)
    return render(request, "contacts/person.html",
                  {"person": person, "subjects": subjects, "candidates": candidates, "merge_form": form,
                   "disabilities": _disability_labels(person), "panels": site.panels("person", request, person)})


def _disability_labels(person) -> list[str]:
    labels = dict(census.Disability.choices)
    return [labels.get(code, code) for code in person.disabilities or []]


@require_http_methods(["GET", "POST"])
def person_census_facts(request, pk: int):
    """A child's facts for the national returns (sex, ethnicity, disabilities, UPN, local ID), at screening or
    whenever they become known."""
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(request.user.has_perm("contacts.change_person") and person.merged_into_id is None)
    names = ("sex", "ethnicity", "disabilities", "upn", "upn_unknown", "la_child_id")
    if request.method == "POST":
        form = CensusFactsForm(request.POST)
        if form.is_valid() and run_service(form, services.person_census_facts_record, actor=request.user,
                                           person=person, **{n: form.cleaned_data.get(n) for n in names}):
            messages.success(request, "The details for national returns were saved.")
            return redirect(person)
        status = 400
    else:
        services.person_record_view(actor=request.user, person=person)
        form = CensusFactsForm(initial={n: getattr(person, n) for n in names})
        status = 200
    return render(request, "contacts/census_facts.html", {"person": person, "form": form}, status=status)


@require_POST
def person_merge(request, pk: int):
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(request.user.has_perm("contacts.merge_person"))
    candidates = _possible_duplicates(person, request.user)
    form = _merge_form(candidates, request.POST)
    if form.is_valid() and run_service(form, services.person_merge, actor=request.user, keep=person,
                                       **form.cleaned_data):
        messages.success(request, f"Merged into {person}. The other record is kept, marked as merged.")
        return redirect(person)
    subjects = (person.subject_of.filter(selectors.visible_through(request.user, "contact"))
                .select_related("contact", "contact__outcome").order_by("-contact__received_at"))
    return render(request, "contacts/person.html",
                  {"person": person, "subjects": subjects, "candidates": candidates, "merge_form": form,
                   "panels": site.panels("person", request, person)}, status=400)
