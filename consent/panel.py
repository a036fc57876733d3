"""What consent shows on other apps' pages: the consent panel on the contact page, and links on a person's page.
Registered with `mash.site.add_panel` from ConsentConfig.ready, so contacts imports nothing of consent."""

from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from contacts.codes import ReferralSource
from contacts.stamps import contact_scope
from mash.access import is_mash_staff
from mash.polling import part

from . import selectors
from .codes import ConsentState, DecisionState
from .models import ConsentRecord, ReferrerAnonymity
from .stamps import consent_scope


@dataclass(frozen=True)
class OpenFlag:
    """A flag not cleared yet, as the panel draws it (read with its consent record, in the same query)."""

    pk: int
    lost: list
    raised_at: datetime
    consent_record: ConsentRecord
    clear_url: str

    @property
    def what(self) -> str:
        return "; ".join(f"{e['agency']} about {' and '.join(c['name'] for c in e['children'])}" for e in self.lost)


def _lines(row) -> list[tuple[str, str]]:
    """An agency's position for each child, children in the same position together: [(names, words)]."""
    grouped: dict[str, list[str]] = {}
    for c in row.children:
        words = f"yes, on the {c.basis}" if c.permitted else f"no. {c.blocked}"
        grouped.setdefault(words, []).append(str(c.child))
    return [(" and ".join(names), words) for words, names in grouped.items()]


_URLS: dict[str, str] = {}
_PLACEHOLDER = "9999999999"


def _url(name: str, arg) -> str:
    """reverse(name, args=[arg]), reversed once per process: a busy panel draws a dozen links."""
    if name not in _URLS:
        _URLS[name] = reverse(name, args=[_PLACEHOLDER])
    return _URLS[name].replace(_PLACEHOLDER, str(arg), 1)


PERMISSIONS = ("add_consentrecord", "change_consentrecord", "decide_sharingdecision", "clear_basisflag",
               "add_referreranonymity")


def _names(ids, people: dict) -> str:
    return ", ".join(people.get(pk, "a record since merged") for pk in ids)


def contact_panel(request, contact) -> dict | None:
    """The consent panel: each person's consent, each agency's position, the decisions with their reasons, the
    referrer's hearsay answer, and any flag that a basis was lost. MASH staff only.

    Queries (the contact's subjects come prefetched with the contact page; the agencies that signed the agreement,
    with whether each counts as health, come from the cache: `selectors.cached_signatories`): the consent records
    (with their open flags, and whether the referrer asked for anonymity), the sharing decisions (with the same
    answer, read there only when there is no consent record). More only when unusual: the names of agencies
    outside the agreement that a consent names, and the anonymity when the contact has neither records nor
    decisions (none for an anonymous contact).
    """
    if not is_mash_staff(request.user):
        return None
    known_anonymous = contact.referral_source == ReferralSource.ANONYMOUS
    records = selectors.consent_records_for(contact, with_anonymity=not known_anonymous)
    decisions = selectors.sharing_decisions_for(contact, with_anonymity=not (known_anonymous or records))
    position = selectors.sharing_position(contact, agencies=selectors.cached_signatories(), records=records,
                                          decisions=decisions)
    if known_anonymous:
        anonymous = True
    elif records or decisions:
        anonymous = (records or decisions)[0].referrer_anonymous
    else:
        anonymous = ReferrerAnonymity.objects.filter(contact_id=contact.pk).exists()
    subjects = list(contact.subjects.all())
    people = {s.person_id: str(s.person) for s in subjects}
    agency_names = {a.agency.pk: a.agency.name for a in position.agencies}
    missing = {pk for r in position.records for pk in r.agency_ids} - set(agency_names)
    if missing:
        agency_names.update(Agency.objects.filter(pk__in=missing).values_list("pk", "name"))
    flags = []
    can = {name: request.user.has_perm(f"consent.{name}") for name in PERMISSIONS}
    for s in subjects:
        s.shared_url = _url("consent:shared", s.person_id)
    for r in position.records:
        r.withdraw_url = _url("consent:withdraw", r.pk) if can["change_consentrecord"] and (
            r.state == ConsentState.GIVEN) else ""
        r.children_names = _names(r.children_ids, people)
        r.scope_text = ", ".join([AgencyKind(k).label for k in r.agency_kinds if k in AgencyKind.values]
                                 + sorted(agency_names.get(pk, "") for pk in r.agency_ids))
        if r.open_flag_id is not None:
            flags.append(OpenFlag(pk=r.open_flag_id, lost=r.open_flag_lost, raised_at=r.open_flag_raised_at,
                                  consent_record=r, clear_url=_url("consent:flag_clear", r.open_flag_id)))
    for row in position.agencies:
        row.lines = _lines(row)
    for d in position.decisions:
        d.decide_url = _url("consent:decide", d.pk) if can["decide_sharingdecision"] and (
            d.state == DecisionState.PROPOSED) else ""
        d.children_names = _names(d.children_ids, people)
        d.agency_names = ", ".join(sorted(agency_names.get(pk, "an agency no longer in the agreement")
                                          for pk in d.agency_ids))
    reference = contact.reference
    return {
        "contact": contact,
        "can": can,
        "record_url": _url("consent:record", reference),
        "propose_url": _url("consent:propose", reference),
        "aid_url": _url("consent:aid", reference),
        "anonymous_url": _url("consent:anonymous", reference),
        "position": position,
        "records": position.records,
        "decisions": position.decisions,
        "flags": sorted(flags, key=lambda f: (f.raised_at, f.pk)),
        "anonymous": anonymous,
        "people": subjects,
    }


def contact_panel_kept(request, contact) -> dict | None:
    """The consent panel as the contact page shows it: drawn (`contact_panel`) once for each version of what it is
    drawn from, then kept (mash.polling.part): the contact and the people on it ("contact:<ref>"), its consent records,
    flags, decisions and anonymity (`panel_scopes`), the user's permissions, and the agencies that signed the
    agreement (from the cache, as the panel reads them). A contact page opened again, or after a change elsewhere,
    costs a cache read for the panel; the first view after a change to its consent draws it, as before."""
    if not is_mash_staff(request.user):
        return None
    agencies = selectors.cached_signatories()
    vary = "|".join(f"{a.pk}:{a.name}:{a.is_health}" for a in agencies)

    def draw() -> str:
        return render_to_string("consent/_panel.html", {"panel": contact_panel(request, contact)}, request)

    return {"html": part(request, f"consent-panel:{contact.pk}", panel_scopes(contact.reference), draw, vary=vary)}


def panel_scopes(reference: str) -> list[str]:
    """The versions the consent panel of the contact `reference` is drawn from: the contact and the people on it
    (contacts.stamps raises the contact's scope for a change to either), and its consent."""
    return [contact_scope(reference), consent_scope(reference)]


def person_panel(request, person) -> dict | None:
    """Links from a person's page to what has been shared about them. No query."""
    if not is_mash_staff(request.user):
        return None
    return {"person": person, "shared_url": reverse("consent:shared", args=[person.pk]),
            "export_url": reverse("consent:export", args=[person.pk])}
