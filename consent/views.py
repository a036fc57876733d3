"""The consent pages. Each view's first line is an access getter: people outside the MASH get 404 for any contact,
record or person; a screener gets 403 where only a manager may act (deciding, clearing a flag, exporting)."""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import services as contact_services
from contacts.codes import CHILD_ROLES
from contacts.selectors import get_contact_for_user
from mash.access import deny_unless
from mash.forms import run_service

from . import aid, selectors, services, subject_access
from .codes import ConsentState, DecisionState
from .forms import AnonymityForm, ClearFlagForm, ConsentForm, DecideForm, DecisionAidForm, ProposalForm, WithdrawForm
from .models import LawfulBasis, SharingReason


def _posted(request):
    """The posted data, bound even when empty (an empty POST is bad input, not a first visit)."""
    return request.POST if request.method == "POST" else None


def _subjects(contact):
    subjects = list(contact.subjects.all())
    for subject in subjects:
        subject.is_child = subject.role in CHILD_ROLES
    return subjects


def _shown(request, contact, page: str, template: str, context: dict, status: int = 200):
    """A consent page about `contact` drawn for the person asking: it names the contact's people, so it is an
    audited look at the contact (who has looked at this child finds it)."""
    contact_services.contact_record_view(actor=request.user, contact=contact, page=page)
    return render(request, template, context, status=status)


def _back(contact, anchor="consent"):
    return redirect(f"{contact.get_absolute_url()}#{anchor}")


@require_http_methods(["GET", "POST"])
def consent_new(request, reference: str):
    contact = get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("consent.add_consentrecord"))
    form = ConsentForm(_posted(request), subjects=_subjects(contact), agencies=selectors.signatories(),
                       user=request.user)
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.consent_record, actor=request.user, contact=contact,
                                           **form.cleaned_data):
            word = "given" if form.cleaned_data["state"] == ConsentState.GIVEN else "refused"
            messages.success(request, f"Consent {word}: recorded on {contact.reference}.")
            return _back(contact)
        return _shown(request, contact, "consent", "consent/consent_form.html", {"contact": contact, "form": form},
                      status=400)
    return _shown(request, contact, "consent", "consent/consent_form.html", {"contact": contact, "form": form})


@require_http_methods(["GET", "POST"])
def consent_withdraw(request, pk: int):
    record = selectors.get_consent_record_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.change_consentrecord"))
    contact = record.contact
    if record.state != ConsentState.GIVEN:
        messages.info(request, f"This consent is {record.get_state_display().lower()}: only a given consent can be "
                               "withdrawn.")
        return _back(contact)
    form = WithdrawForm(_posted(request))
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.consent_withdraw, actor=request.user, record=record,
                                           **form.cleaned_data):
            messages.success(request, f"Consent withdrawn: {record.given_by}'s consent no longer counts.")
            return _back(contact)
        return _shown(request, contact, "consent withdrawal", "consent/withdraw.html",
                      {"contact": contact, "record": record, "form": form}, status=400)
    return _shown(request, contact, "consent withdrawal", "consent/withdraw.html",
                  {"contact": contact, "record": record, "form": form})


def _proposal_form(request, contact, data=None):
    initial = {}
    reasons = list(SharingReason.objects.filter(active=True))
    code = request.GET.get("reason", "")
    chosen = next((r for r in reasons if r.code == code), None)
    if chosen is not None:
        initial["reason"] = chosen.pk
    if request.GET.get("threshold"):
        initial["threshold"] = request.GET["threshold"]
    return ProposalForm(data, initial=initial, subjects=_subjects(contact), agencies=selectors.signatories(),
                        reasons=reasons)


@require_http_methods(["GET", "POST"])
def sharing_propose(request, reference: str):
    contact = get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("consent.add_sharingdecision"))
    form = _proposal_form(request, contact, _posted(request))
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.sharing_propose, actor=request.user, contact=contact,
                                           **form.cleaned_data):
            messages.success(request, "Sharing without consent proposed. Another manager must decide it.")
            return _back(contact)
        return _shown(request, contact, "sharing proposal", "consent/propose.html", {"contact": contact, "form": form},
                      status=400)
    return _shown(request, contact, "sharing proposal", "consent/propose.html", {"contact": contact, "form": form})


@require_http_methods(["GET", "POST"])
def sharing_decide(request, pk: int):
    decision = selectors.get_sharing_decision_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.decide_sharingdecision"))
    contact = decision.contact
    if decision.state != DecisionState.PROPOSED:
        messages.info(request, f"This proposal is already decided: {decision.get_state_display().lower()}.")
        return _back(contact)
    form = DecideForm(_posted(request), bases=LawfulBasis.objects.filter(active=True))
    children_names, agency_names = selectors.names_of(people=decision.children_ids, agencies=decision.agency_ids)
    context = {"contact": contact, "decision": decision, "form": form, "children_names": children_names,
               "agency_names": agency_names, "own": decision.proposed_by_id == request.user.pk}
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.sharing_decide, actor=request.user, decision=decision,
                                           **form.cleaned_data):
            messages.success(request, "Decision recorded.")
            return _back(contact)
        return _shown(request, contact, "sharing decision", "consent/decide.html", context, status=400)
    return _shown(request, contact, "sharing decision", "consent/decide.html", context)


@require_POST
def flag_clear(request, pk: int):
    flag = selectors.get_flag_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.clear_basisflag"))
    form = ClearFlagForm(request.POST)
    if form.is_valid() and run_service(form, services.basis_flag_clear, actor=request.user, flag=flag,
                                       **form.cleaned_data):
        messages.success(request, "Flag cleared.")
        return _back(flag.contact)
    return render(request, "consent/clear_flag.html", {"contact": flag.contact, "flag": flag, "form": form},
                  status=400)


@require_http_methods(["GET", "POST"])
def referrer_anonymous(request, reference: str):
    contact = get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("consent.add_referreranonymity"))
    form = AnonymityForm(_posted(request))
    if request.method == "POST":
        if form.is_valid() and run_service(form, services.referrer_anonymity_record, actor=request.user,
                                           contact=contact, **form.cleaned_data):
            messages.success(request, "Recorded: the referrer's identity is withheld from what the family is given.")
            return _back(contact)
        return render(request, "consent/anonymous.html", {"contact": contact, "form": form}, status=400)
    return render(request, "consent/anonymous.html", {"contact": contact, "form": form})


@require_GET
def decision_aid(request, reference: str):
    """The questions as radios; on submit (GET: nothing is written) the suggestion, linking to the form it
    suggests. It never decides."""
    contact = get_contact_for_user(request.user, reference)
    deny_unless(request.user.has_perm("consent.add_consentrecord"))
    form = DecisionAidForm(request.GET or None)
    suggestion = link = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            suggestion = aid.suggest(form.cleaned_data)
            if suggestion.action == "propose":
                threshold = form.cleaned_data["threshold"]
                link = (f"{reverse('consent:propose', args=[contact.reference])}"
                        f"?reason={suggestion.reason}&threshold={threshold}")
            else:
                link = reverse("consent:record", args=[contact.reference])
        else:
            status = 400
    return _shown(request, contact, "consent decision aid", "consent/aid.html", {
        "contact": contact, "form": form, "suggestion": suggestion, "link": link,
        "disclaimer": aid.SUGGEST_DISCLAIMER}, status=status)


# --- transparency ----------------------------------------------------------------------------------------------


@require_GET
def shared_about(request, pk: int):
    """For staff: what has been shared about this person, names and all. Viewing it is audited."""
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.view_disclosure"))
    services.shared_record_view(actor=request.user, person=person)
    report = subject_access.what_was_shared(person, user=request.user, redact=False)
    return render(request, "consent/shared.html", {"person": person, "report": report})


@require_GET
def export_html(request, pk: int):
    """The subject access export, a printable document for the family: other people's details withheld. A
    manager's; producing it is audited."""
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.export_subject_access"))
    report = subject_access.what_was_shared(person, user=request.user, redact=True)
    services.subject_access_export_record(actor=request.user, person=person, fmt="html",
                                          counts=subject_access.counts(report))
    return render(request, "consent/export.html", {"person": person, "report": report,
                                                   "json_url": reverse("consent:export_json", args=[person.pk])})


@require_GET
def export_json(request, pk: int):
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(request.user.has_perm("consent.export_subject_access"))
    report = subject_access.what_was_shared(person, user=request.user, redact=True)
    services.subject_access_export_record(actor=request.user, person=person, fmt="json",
                                          counts=subject_access.counts(report))
    body = json.dumps(subject_access.as_json(report), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{person.pk}-{stamp}.json"'
    return response
