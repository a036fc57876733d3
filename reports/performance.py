"""The MASH performance framework: a few figures for a period, each beside the same figure for the period before
(of the same length), as tables, each with the data of a chart drawn beside it. A partner sees the figures for the
contacts from their own kind of agency only (their CIN referral sources: the police see source 6), and their own
agency's information returns.

The figures are sums of the day-by-day summaries (reports.summaries, kept up to date from the audit log by beat):
one query for both periods, whatever the number of contacts; its rows grow with the days in the periods.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Sum, Value, When

from agencies.models import AgencyKind
from contacts.codes import Channel, OutcomeKind, ReferralSource
from mash.access import Role, has_role
from mash.codes import Brag

from .annex_a import Period
from .models import DailyFigure
from .summaries import ALL_SOURCES

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
    # What the chart beside the table draws: {"unit", "labels", "series": [{"name", "values"}, x2]} (chart_data).
    chart: dict = field(default_factory=dict)

    @property
    def chart_id(self) -> str:
        """The id of the JSON the chart is drawn from."""
        return f"chart-data-{self.key}"

    @property
    def chart_summary(self) -> str:
        """The chart's text alternative (its canvas is an image): what it draws, in words."""
        unit = "%" if self.chart.get("unit") == "percent" else ""
        parts = []
        for series in self.chart.get("series", []):
            bars = ", ".join(f"{label} {'none' if value is None else f'{value}{unit}'}"
                             for label, value in zip(self.chart["labels"], series["values"], strict=True))
            parts.append(f"{series['name']}: {bars or 'nothing'}")
        return f"Bar chart of {self.title.lower()}{' (per cent)' if unit else ''}. " + "; ".join(parts) + "."

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


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"


def _share(part: int, whole: int) -> int | None:
    """A whole percentage for a chart (None, drawn as no bar, when there is nothing to divide)."""
    return round(100 * part / whole) if whole else None


def sums(*, user, period: Period, previous: Period) -> tuple[dict, dict]:
    """The summaries' counts for the period and the one before, as the person may see them: for each, a dict
    {figure: {key: n}} (information returns keyed by (agency name, key)). One query."""
    rows = DailyFigure.objects.filter(day__gte=previous.start, day__lte=period.end)
    sources = scope_sources(user)
    if sources is None:  # the counts over every source, and those kept by agency (returns) or by none (breaches)
        rows = rows.filter(source__in=[ALL_SOURCES, ""])
    else:
        rows = rows.filter(Q(source__in=sources) | Q(source="", figure="returns", agency_id=user.agency_id))
    rows = (rows.order_by()
            .annotate(earlier=Case(When(day__lt=period.start, then=Value(1)), default=Value(0),
                                   output_field=IntegerField()))
            .values("earlier", "figure", "key", "agency__name").annotate(total=Sum("n")))
    out = (defaultdict(dict), defaultdict(dict))
    for row in rows:
        key = (row["agency__name"], row["key"]) if row["figure"] == "returns" else row["key"]
        out[row["earlier"]][row["figure"]][key] = row["total"]
    return out


def _grouped(key, title, caption, labels, this: dict, before: dict) -> Table:
    table = Table(key, title, caption)
    for code, label in labels:
        if this.get(code) or before.get(code):
            table.rows.append([label, this.get(code, 0), before.get(code, 0)])
    table.rows.append(["Total", sum(this.values()), sum(before.values())])
    return table


def chart_data(table: Table, names: list[str], *, rows=None, unit: str = "count", values=None) -> dict:
    """What the chart beside a table draws: a bar for each of its rows (all but totals and percentages, unless
    `rows` says which), one series a period. `values(row)` turns a row's cells into the numbers drawn."""
    chosen = [r for r in table.rows if r[0] not in ("Total",)] if rows is None else rows
    values = values or (lambda row: row[1:3])
    drawn = [values(row) for row in chosen]
    return {"unit": unit, "labels": [r[0] for r in chosen],
            "series": [{"name": name, "values": [v[i] for v in drawn]} for i, name in enumerate(names)]}


def figures(*, user, period: Period) -> list[Table]:
    """Every table of the dashboard for the period, with the period before, as the person may see them."""
    sources = scope_sources(user)
    previous = previous_period(period)
    names = [f"{p.start:%d/%m/%Y} to {p.end:%d/%m/%Y}" for p in (period, previous)]
    both = sums(user=user, period=period, previous=previous)

    def pair(figure):
        return [s.get(figure, {}) for s in both]

    def count(figure, key):
        return [s.get(figure, {}).get(key, 0) for s in both]

    tables = [
        _grouped("sources", "Contacts received, by source", "Contacts received in the period, by CIN referral source",
                 ReferralSource.choices, *pair("sources")),
        _grouped("channels", "Contacts received, by channel", "Contacts received in the period, by how they came in",
                 Channel.choices, *pair("channels")),
    ]
    for table in tables:
        table.chart = chart_data(table, names)
    on_time, late, undecided = (count("decisions", k) for k in ("on_time", "late", "undecided"))
    timely = Table("decisions", "Decisions within 1 working day",
                   "Contacts received in the period, by when a manager decided their rating")
    timely.rows = [
        ["Decided within 1 working day", *on_time],
        ["Decided later", *late],
        ["Not decided yet", *undecided],
        ["Within 1 working day (% of decided)", *(_percent(o, o + la) for o, la in zip(on_time, late, strict=True))],
    ]
    timely.chart = chart_data(timely, names, rows=timely.rows[:3])
    tables.append(timely)

    windows = pair("windows")
    met = Table("windows", "Response windows met, by rating",
                "Contacts given an outcome in the period within their BRAG rating's response window")
    shares = []
    for code, label in Brag.choices:
        cells = [(w.get(f"{code}:met", 0), w.get(f"{code}:all", 0)) for w in windows]
        if any(n for _, n in cells):
            met.rows.append([label, *(f"{m} of {n}" for m, n in cells)])
            shares.append([label, *(_share(m, n) for m, n in cells)])
    totals = [(sum(v for k, v in w.items() if k.endswith(":met")), sum(v for k, v in w.items() if k.endswith(":all")))
              for w in windows]
    met.rows.append(["All ratings", *(f"{m} of {n}" for m, n in totals)])
    met.chart = chart_data(met, names, rows=shares, unit="percent")
    tables.append(met)

    changed = Table("ratings", "Ratings: the screener's proposal and the manager's decision",
                    "Proposed ratings a manager decided in the period")
    changed.rows = [
        ["Agreed", *count("ratings", "agreed")],
        ["Made more urgent (escalated)", *count("ratings", "escalated")],
        ["Made less urgent (de-escalated)", *count("ratings", "de_escalated")],
    ]
    changed.chart = chart_data(changed, names)
    tables.append(changed)

    returns = pair("returns")
    answered = Table("returns", "Information returns on time, by agency",
                     "Partners' answers to information requests given in the period, and how many by the due time")
    shares = []
    for name in sorted({agency for r in returns for agency, _ in r}):
        cells = [(r.get((name, "on_time"), 0), r.get((name, "all"), 0)) for r in returns]
        answered.rows.append([name, *(f"{m} of {n}" for m, n in cells)])
        shares.append([name, *(_share(m, n) for m, n in cells)])
    totals = [(sum(v for (_, k), v in r.items() if k == "on_time"), sum(v for (_, k), v in r.items() if k == "all"))
              for r in returns]
    answered.rows.append(["All agencies", *(f"{m} of {n}" for m, n in totals)])
    answered.chart = chart_data(answered, names, rows=shares, unit="percent")
    tables.append(answered)

    if sources is None:  # the MASH's own clocks: its staff's figures
        raised, acknowledged, within = (count("breaches", k) for k in ("raised", "acknowledged", "within"))
        table = Table("breaches", "Deadline breaches and their acknowledgement",
                      "Breaches of a response window raised in the period, and how fast a manager acknowledged them")
        table.rows = [
            ["Breaches", *raised],
            ["Acknowledged within 1 hour", *within],
            ["Acknowledged later", *(a - w for a, w in zip(acknowledged, within, strict=True))],
            ["Not acknowledged yet", *(r - a for r, a in zip(raised, acknowledged, strict=True))],
        ]
        table.chart = chart_data(table, names, rows=table.rows[1:])
        tables.append(table)

    outcomes = pair("outcomes")
    table = _grouped("outcomes", "Outcomes", "Outcomes decided in the period, by route", OutcomeKind.choices, *outcomes)
    table.chart = chart_data(table, names)
    tables.append(table)

    conversion = Table("conversion", "Contacts to referrals",
                       "Outcomes decided in the period, and how many made the contact a referral")
    closed = [sum(o.values()) for o in outcomes]
    referrals = count("referrals", "contacts")
    conversion.rows = [
        ["Outcomes decided", *closed],
        ["Became referrals", *referrals],
        ["Conversion rate", *(_percent(r, c) for r, c in zip(referrals, closed, strict=True))],
        [f"Repeat contacts received ({settings.REPEAT_CONTACT_THRESHOLD} or more in 12 months)",
         *count("repeat", "repeat")],
        ["Re-referrals (a child referred in the 12 months before)", *count("re_referrals", "children")],
    ]
    conversion.chart = chart_data(conversion, names, rows=[r for r in conversion.rows if r[0] != "Conversion rate"])
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
