"""The MASH performance framework: a few figures for a period, each beside the same figure for the period before
(of the same length), as tables. A partner sees the figures for the contacts from their own kind of agency only
(their CIN referral sources: the police see source 6).

Each figure is a handful of grouped counts (a constant number of queries, whatever the number of contacts) except
decisions within 1 working day, which reads each contact's receipt and first decision in the period (two columns
a row) because working days need the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, F, Min, Q

from agencies.models import AgencyKind
from contacts.codes import Channel, OutcomeKind, RatingDecision, ReferralSource
from contacts.models import Contact, Outcome, Rating
from enquiries.codes import RequestState
from enquiries.models import InformationRequest
from mash import deadlines
from mash.access import Role, has_role
from mash.codes import Brag, Stage
from mash.models import Escalation, EscalationKind

from .annex_a import Period, earlier_referrals_in_12_months
from .models import Referral

# The CIN referral sources each kind of partner agency refers under.
AGENCY_SOURCES = {
    AgencyKind.POLICE: {"6"},
    AgencyKind.HEALTH: {"3A", "3B", "3C", "3D", "3E", "3F"},
    AgencyKind.EDUCATION: {"2A", "2B"},
    AgencyKind.HOUSING: {"4"},
    AgencyKind.PROBATION: {"7"},
    AgencyKind.YOUTH_JUSTICE: {"5B"},
    AgencyKind.EARLY_HELP: {"5D"},
    AgencyKind.SOCIAL_CARE: {"5A"},
    AgencyKind.OTHER: {"8"},
}


@dataclass
class Table:
    key: str
    title: str
    caption: str
    rows: list[list] = field(default_factory=list)  # [label, this period, previous period]

    def header(self, period: Period, previous: Period) -> list[str]:
        return ["", f"{period.start:%d/%m/%Y} to {period.end:%d/%m/%Y}",
                f"{previous.start:%d/%m/%Y} to {previous.end:%d/%m/%Y}"]


def previous_period(period: Period) -> Period:
    length = (period.end - period.start).days + 1
    return Period(period.start - timedelta(days=length), period.start - timedelta(days=1))


def scope_sources(user) -> set[str] | None:
    """The referral sources a person's figures are limited to: None for the MASH's own staff (every source)."""
    if has_role(user, Role.MANAGER, Role.SCREENER):
        return None
    return set(AGENCY_SOURCES.get(user.agency.kind, set()))


def _contacts(period: Period, sources):
    start, end = period.bounds()
    contacts = Contact.objects.filter(received_at__gte=start, received_at__lt=end)
    return contacts if sources is None else contacts.filter(referral_source__in=sources)


def _counts(queryset, column) -> dict[str, int]:
    return {row[column]: row["n"] for row in queryset.order_by().values(column).annotate(n=Count("id"))}


def _grouped(key, title, caption, labels, this: dict, before: dict) -> Table:
    table = Table(key, title, caption)
    for code, label in labels:
        if this.get(code) or before.get(code):
            table.rows.append([label, this.get(code, 0), before.get(code, 0)])
    table.rows.append(["Total", sum(this.values()), sum(before.values())])
    return table


def _decisions(period: Period, sources, calendar) -> dict[str, int]:
    """Contacts received in the period: decided (a rating approved or changed by a manager) within 1 working day
    of receipt, decided later, or not decided yet."""
    rows = (_contacts(period, sources).order_by()
            .annotate(decided_at=Min("ratings__decided_at", filter=Q(
                ratings__decision__in=[RatingDecision.APPROVED, RatingDecision.CHANGED])))
            .values_list("received_at", "decided_at"))
    out = {"on_time": 0, "late": 0, "undecided": 0}
    for received_at, decided_at in rows.iterator(chunk_size=2000):
        if decided_at is None:
            out["undecided"] += 1
        elif decided_at <= calendar.add_working_days(received_at, 1):
            out["on_time"] += 1
        else:
            out["late"] += 1
    return out


def _outcomes(period: Period, sources) -> dict[str, int]:
    start, end = period.bounds()
    outcomes = Outcome.objects.filter(decided_at__gte=start, decided_at__lt=end)
    if sources is not None:
        outcomes = outcomes.filter(contact__referral_source__in=sources)
    return _counts(outcomes, "kind")


def _referrals(period: Period, sources) -> int:
    """Contacts that became referrals in the period (a contact about two children is one contact)."""
    referrals = Referral.objects.filter(referral_date__gte=period.start, referral_date__lte=period.end)
    if sources is not None:
        referrals = referrals.filter(source__in=sources)
    return referrals.values("contact_id").distinct().count()


URGENCY = {code: rank for rank, code in enumerate(Brag.values)}  # red 0 ... blue 3


def _rating_decisions(period: Period, sources) -> dict[str, int]:
    """Managers' decisions on screeners' proposed ratings in the period: agreed, made more urgent (escalated) or
    less urgent (de-escalated)."""
    start, end = period.bounds()
    ratings = Rating.objects.filter(decided_at__gte=start, decided_at__lt=end,
                                    decision__in=[RatingDecision.APPROVED, RatingDecision.CHANGED])
    if sources is not None:
        ratings = ratings.filter(contact__referral_source__in=sources)
    out = {"agreed": 0, "escalated": 0, "de_escalated": 0}
    for row in ratings.order_by().values("proposed_brag", "decided_brag").annotate(n=Count("id")):
        proposed, decided = URGENCY[row["proposed_brag"]], URGENCY.get(row["decided_brag"] or row["proposed_brag"])
        key = "agreed" if decided == proposed else "escalated" if decided < proposed else "de_escalated"
        out[key] += row["n"]
    return out


def _brag_windows(period: Period, sources) -> dict[str, tuple[int, int]]:
    """Contacts whose BRAG response clock stopped (an outcome) in the period, by rating: (within the window, all)."""
    start, end = period.bounds()
    contacts = Contact.objects.filter(clock_stage=Stage.BRAG_RESPONSE, met_at__gte=start, met_at__lt=end)
    if sources is not None:
        contacts = contacts.filter(referral_source__in=sources)
    rows = contacts.order_by().values("rating").annotate(
        n=Count("id"), met=Count("id", filter=Q(met_at__lte=F("due_at"))))
    return {row["rating"]: (row["met"], row["n"]) for row in rows}


def _agency_returns(period: Period, user, sources) -> dict[str, tuple[int, int]]:
    """Information requests each agency answered (a return or a nil return) in the period: (on time, all). A
    partner sees their own agency's only."""
    start, end = period.bounds()
    requests = InformationRequest.objects.filter(state__in=[RequestState.RETURNED, RequestState.NIL_RETURN],
                                                 met_at__gte=start, met_at__lt=end)
    if sources is not None:
        requests = requests.filter(agency_id=user.agency_id)
    rows = requests.order_by().values("agency__name").annotate(
        n=Count("id"), on_time=Count("id", filter=Q(met_at__lte=F("due_at"))))
    return {row["agency__name"]: (row["on_time"], row["n"]) for row in rows}


ACKNOWLEDGED_WITHIN = timedelta(hours=1)


def _breaches(period: Period) -> dict[str, int]:
    """Deadline breaches raised in the period (every clock: contacts, ratings, information requests), and how fast
    a manager acknowledged them."""
    start, end = period.bounds()
    return Escalation.objects.filter(kind=EscalationKind.BREACH, raised_at__gte=start, raised_at__lt=end).aggregate(
        raised=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        within=Count("id", filter=Q(acknowledged_at__lte=F("raised_at") + ACKNOWLEDGED_WITHIN)))


def _re_referrals(period: Period, sources) -> int:
    """Referrals in the period of a child referred in the 12 months before (per child, as Annex A List 3 counts)."""
    referrals = Referral.objects.filter(referral_date__gte=period.start, referral_date__lte=period.end)
    if sources is not None:
        referrals = referrals.filter(source__in=sources)
    return referrals.annotate(earlier=earlier_referrals_in_12_months()).filter(earlier__gt=0).count()


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def figures(*, user, period: Period) -> list[Table]:
    """Every table of the dashboard for the period, with the period before, as the person may see them."""
    sources = scope_sources(user)
    previous = previous_period(period)
    periods = (period, previous)
    calendar = deadlines.calendar()
    by_source = [_counts(_contacts(p, sources), "referral_source") for p in periods]
    by_channel = [_counts(_contacts(p, sources), "channel") for p in periods]
    repeat = [_contacts(p, sources).filter(repeat_flag=True).count() for p in periods]
    decisions = [_decisions(p, sources, calendar) for p in periods]
    outcomes = [_outcomes(p, sources) for p in periods]
    referrals = [_referrals(p, sources) for p in periods]
    ratings = [_rating_decisions(p, sources) for p in periods]
    windows = [_brag_windows(p, sources) for p in periods]
    returns = [_agency_returns(p, user, sources) for p in periods]
    re_referrals = [_re_referrals(p, sources) for p in periods]

    tables = [
        _grouped("sources", "Contacts received, by source", "Contacts received in the period, by CIN referral source",
                 ReferralSource.choices, *by_source),
        _grouped("channels", "Contacts received, by channel", "Contacts received in the period, by how they came in",
                 Channel.choices, *by_channel),
    ]
    timely = Table("decisions", "Decisions within 1 working day",
                   "Contacts received in the period, by when a manager decided their rating")
    timely.rows = [
        ["Decided within 1 working day", decisions[0]["on_time"], decisions[1]["on_time"]],
        ["Decided later", decisions[0]["late"], decisions[1]["late"]],
        ["Not decided yet", decisions[0]["undecided"], decisions[1]["undecided"]],
        ["Within 1 working day (% of decided)",
         *(_percent(d["on_time"], d["on_time"] + d["late"]) for d in decisions)],
    ]
    tables.append(timely)
    met = Table("windows", "Response windows met, by rating",
                "Contacts given an outcome in the period within their BRAG rating's response window")
    for code, label in Brag.choices:
        if any(code in w for w in windows):
            met.rows.append([label, *(f"{w.get(code, (0, 0))[0]} of {w.get(code, (0, 0))[1]}" for w in windows)])
    totals = [tuple(map(sum, zip(*w.values(), strict=False))) if w else (0, 0) for w in windows]
    met.rows.append(["All ratings", *(f"{m} of {n}" for m, n in totals)])
    tables.append(met)
    changed = Table("ratings", "Ratings: the screener's proposal and the manager's decision",
                    "Proposed ratings a manager decided in the period")
    changed.rows = [
        ["Agreed", ratings[0]["agreed"], ratings[1]["agreed"]],
        ["Made more urgent (escalated)", ratings[0]["escalated"], ratings[1]["escalated"]],
        ["Made less urgent (de-escalated)", ratings[0]["de_escalated"], ratings[1]["de_escalated"]],
    ]
    tables.append(changed)
    answered = Table("returns", "Information returns on time, by agency",
                     "Partners' answers to information requests given in the period, and how many by the due time")
    for name in sorted(set(returns[0]) | set(returns[1])):
        answered.rows.append([name, *(f"{r.get(name, (0, 0))[0]} of {r.get(name, (0, 0))[1]}" for r in returns)])
    answered.rows.append(["All agencies", *(f"{sum(m for m, _ in r.values())} of {sum(n for _, n in r.values())}"
                                            for r in returns)])
    tables.append(answered)
    if sources is None:  # the MASH's own clocks: its staff's figures
        breaches = [_breaches(p) for p in periods]
        table = Table("breaches", "Deadline breaches and their acknowledgement",
                      "Breaches of a response window raised in the period, and how fast a manager acknowledged them")
        table.rows = [
            ["Breaches", *(b["raised"] for b in breaches)],
            ["Acknowledged within 1 hour", *(b["within"] for b in breaches)],
            ["Acknowledged later", *(b["acknowledged"] - b["within"] for b in breaches)],
            ["Not acknowledged yet", *(b["raised"] - b["acknowledged"] for b in breaches)],
        ]
        tables.append(table)
    tables.append(_grouped("outcomes", "Outcomes", "Outcomes decided in the period, by route",
                           OutcomeKind.choices, *outcomes))
    conversion = Table("conversion", "Contacts to referrals",
                       "Outcomes decided in the period, and how many made the contact a referral")
    closed = [sum(o.values()) for o in outcomes]
    conversion.rows = [
        ["Outcomes decided", *closed],
        ["Became referrals", *referrals],
        ["Conversion rate", *(_percent(r, c) for r, c in zip(referrals, closed, strict=True))],
        [f"Repeat contacts received ({settings.REPEAT_CONTACT_THRESHOLD} or more in 12 months)", *repeat],
        ["Re-referrals (a child referred in the 12 months before)", *re_referrals],
    ]
    tables.append(conversion)
    return tables


def default_period(today: date) -> Period:
    """This month so far."""
    return Period(today.replace(day=1), today)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell a spreadsheet will not run: text starting =, +, -, @ (or a tab or carriage return) gets a leading
    apostrophe (OWASP "CSV injection"). Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
