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
from django.db.models import Count, Min, Q

from agencies.models import AgencyKind
from contacts.codes import Channel, OutcomeKind, RatingDecision, ReferralSource
from contacts.models import Contact, Outcome
from mash import deadlines
from mash.access import Role, has_role

from .annex_a import Period
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
