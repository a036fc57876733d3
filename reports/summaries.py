"""The performance dashboard's summaries: per day (Europe/London), per figure and key, counts by CIN referral source
(or by agency, for information returns), in `DailyFigure`. The dashboard sums a period's rows (reports.performance),
so what it costs grows with the days in the period, not with the contacts.

A day's rows are always recomputed whole from the work itself (never adjusted by increments, so they cannot drift):
`rebuild(start, end)` recomputes a run of days in one transaction. `refresh()`, run by beat every
PERFORMANCE_REFRESH_SECONDS (reports.tasks), reads the audit log since the last refresh for the actions that change a
figure (every write is audited in its own transaction, by its service, and the log is indexed by time), finds the
days those records count on (a contact's day of receipt, of its decisions, of its outcome and referrals, of its
breaches; an information request's day of answer) and recomputes only those. The first refresh rebuilds every day;
`manage.py performance_refresh --all` does the same after bulk loads that write no audit rows (the bench seed, the
demo) or a change of the closure days (which moves "within 1 working day").
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from contacts.actions import ContactAction
from contacts.codes import RatingDecision
from contacts.models import Contact, Outcome, Person, Rating
from enquiries.actions import EnquiryAction
from enquiries.codes import RequestState
from enquiries.models import InformationRequest
from mash import deadlines
from mash.codes import Brag, Stage
from mash.locks import named_lock
from mash.models import AuditAction, AuditEvent, Escalation, EscalationKind

from .actions import ReportAction
from .annex_a import Period, earlier_referrals_in_12_months
from .models import DailyFigure, FiguresRefresh, Referral

URGENCY = {code: rank for rank, code in enumerate(Brag.values)}  # red 0 ... blue 3
ACKNOWLEDGED_WITHIN = timedelta(hours=1)
REBUILD_CHUNK_DAYS = 92  # a quarter at a time: each figure one query a chunk, the rows of a chunk in memory
LOCK = "reports.performance_refresh"
ALL_SOURCES = "*"  # DailyFigure.source of a count over every source

# The audited actions after which a figure may have changed (anything else, views above all, changes none).
FIGURE_ACTIONS = frozenset({
    ContactAction.CONTACT_CREATED, ContactAction.NOTIFICATIONS_IMPORTED, ContactAction.PERSON_MERGED,
    ContactAction.RATING_APPROVED, ContactAction.RATING_CHANGED, ContactAction.OUTCOME_DECIDED,
    ReportAction.REFERRAL_RECORDED,
    EnquiryAction.RETURN_SUBMITTED, EnquiryAction.RETURN_CORRECTED, EnquiryAction.NIL_RETURN,
    AuditAction.CLOCK_RESTARTED, AuditAction.CLOCK_BREACHED, AuditAction.ESCALATION_ACKNOWLEDGED,
})


def _day(column):
    return TruncDate(column, tzinfo=timezone.get_current_timezone())


def _within(column: str, runs, *, dates: bool = False) -> Q:
    """`column` on one of the days of `runs` ((first, last) pairs): one condition, so each figure is one query
    however many runs a refresh has."""
    condition = Q(pk__in=[])
    for first, last in runs:
        if dates:
            condition |= Q(**{f"{column}__gte": first, f"{column}__lte": last})
        else:
            lo, hi = Period(first, last).bounds()
            condition |= Q(**{f"{column}__gte": lo, f"{column}__lt": hi})
    return condition


def _rows(runs) -> list[DailyFigure]:
    """Every DailyFigure row of the days of `runs` ((first, last) pairs, inclusive), computed from the work."""
    counts: Counter = Counter()  # (day, figure, key, source, agency_id) -> n

    received = Contact.objects.filter(_within("received_at", runs)).order_by()
    for row in (received.annotate(day=_day("received_at"))
                .values("day", "referral_source", "channel", "repeat_flag").annotate(n=Count("id"))):
        day, source, n = row["day"], row["referral_source"], row["n"]
        counts[day, "sources", source, source, None] += n
        counts[day, "channels", row["channel"], source, None] += n
        if row["repeat_flag"]:
            counts[day, "repeat", "repeat", source, None] += n

    # Decided within 1 working day of receipt: working days need the calendar, so each contact's two times are
    # read (a day's contacts on a refresh; every contact only on a rebuild).
    calendar = deadlines.calendar()
    decided = (received.annotate(decided_at=Min("ratings__decided_at", filter=Q(
        ratings__decision__in=[RatingDecision.APPROVED, RatingDecision.CHANGED])))
        .values_list("received_at", "referral_source", "decided_at"))
    for received_at, source, decided_at in decided.iterator(chunk_size=2000):
        if decided_at is None:
            key = "undecided"
        elif decided_at <= calendar.add_working_days(received_at, 1):
            key = "on_time"
        else:
            key = "late"
        counts[timezone.localdate(received_at), "decisions", key, source, None] += 1

    outcomes = Outcome.objects.filter(_within("decided_at", runs)).order_by()
    for row in (outcomes.annotate(day=_day("decided_at"))
                .values("day", "contact__referral_source", "kind").annotate(n=Count("id"))):
        counts[row["day"], "outcomes", row["kind"], row["contact__referral_source"], None] += row["n"]

    referrals = Referral.objects.filter(_within("referral_date", runs, dates=True)).order_by()
    # A contact about two children is one referral here: a contact's referrals share its day and source.
    for row in referrals.values("referral_date", "source").annotate(n=Count("contact_id", distinct=True)):
        counts[row["referral_date"], "referrals", "contacts", row["source"], None] += row["n"]
    # Re-referrals count children (as Annex A List 3 does): a referral of a child referred in the 12 months before.
    for row in (referrals.annotate(earlier=earlier_referrals_in_12_months()).filter(earlier__gt=0)
                .values("referral_date", "source").annotate(n=Count("id"))):
        counts[row["referral_date"], "re_referrals", "children", row["source"], None] += row["n"]

    ratings = Rating.objects.filter(_within("decided_at", runs),
                                    decision__in=[RatingDecision.APPROVED, RatingDecision.CHANGED]).order_by()
    for row in (ratings.annotate(day=_day("decided_at"))
                .values("day", "contact__referral_source", "proposed_brag", "decided_brag").annotate(n=Count("id"))):
        proposed = URGENCY[row["proposed_brag"]]
        final = URGENCY.get(row["decided_brag"] or row["proposed_brag"])
        key = "agreed" if final == proposed else "escalated" if final < proposed else "de_escalated"
        counts[row["day"], "ratings", key, row["contact__referral_source"], None] += row["n"]

    # Response windows: contacts whose BRAG response clock stopped (an outcome) that day, by rating.
    stopped = Contact.objects.filter(_within("met_at", runs), clock_stage=Stage.BRAG_RESPONSE).order_by()
    for row in (stopped.annotate(day=_day("met_at")).values("day", "referral_source", "rating")
                .annotate(n=Count("id"), met=Count("id", filter=Q(met_at__lte=F("due_at"))))):
        counts[row["day"], "windows", f"{row['rating']}:all", row["referral_source"], None] += row["n"]
        counts[row["day"], "windows", f"{row['rating']}:met", row["referral_source"], None] += row["met"]

    answered = InformationRequest.objects.filter(_within("met_at", runs),
                                                 state__in=[RequestState.RETURNED, RequestState.NIL_RETURN]).order_by()
    for row in (answered.annotate(day=_day("met_at")).values("day", "agency_id")
                .annotate(n=Count("id"), on_time=Count("id", filter=Q(met_at__lte=F("due_at"))))):
        counts[row["day"], "returns", "all", "", row["agency_id"]] += row["n"]
        counts[row["day"], "returns", "on_time", "", row["agency_id"]] += row["on_time"]

    breaches = Escalation.objects.filter(_within("raised_at", runs), kind=EscalationKind.BREACH).order_by()
    for row in (breaches.annotate(day=_day("raised_at")).values("day").annotate(
            raised=Count("id"), acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            within=Count("id", filter=Q(acknowledged_at__lte=F("raised_at") + ACKNOWLEDGED_WITHIN)))):
        for key in ("raised", "acknowledged", "within"):
            counts[row["day"], "breaches", key, "", None] += row[key]

    # Every source's count once more under ALL_SOURCES: the MASH's own staff read those rows alone (a twentieth of
    # the by-source rows), a partner their sources' rows.
    for (day, figure, key, source, agency), n in list(counts.items()):
        if source:
            counts[day, figure, key, ALL_SOURCES, agency] += n
    return [DailyFigure(day=day, figure=figure, key=key, source=source, agency_id=agency, n=n)
            for (day, figure, key, source, agency), n in counts.items() if n]


def rebuild(start: date, end: date) -> int:
    """Recompute the days start..end (inclusive) in one transaction; returns how many rows they now have."""
    return rebuild_runs([(start, end)])


def rebuild_runs(runs) -> int:
    """Recompute the days of `runs` ((first, last) pairs, inclusive) in one transaction; returns how many rows."""
    runs = list(runs)
    if not runs:
        return 0
    with transaction.atomic():
        rows = _rows(runs)
        DailyFigure.objects.filter(_within("day", runs, dates=True)).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _first_day() -> date | None:
    """The earliest day any figure counts on."""
    candidates = [
        Contact.objects.aggregate(at=Min("received_at"))["at"],
        Escalation.objects.filter(kind=EscalationKind.BREACH).aggregate(at=Min("raised_at"))["at"],
        InformationRequest.objects.aggregate(at=Min("met_at"))["at"],
        Referral.objects.aggregate(day=Min("referral_date"))["day"],
    ]
    days = [timezone.localdate(c) if isinstance(c, datetime) else c for c in candidates if c is not None]
    return min(days) if days else None


def rebuild_all(today: date | None = None) -> int:
    """Every day from the first one anything counts on to today, a quarter at a time."""
    today = today or timezone.localdate()
    first = _first_day()
    total = 0
    if first is None:
        DailyFigure.objects.all().delete()
        return 0
    DailyFigure.objects.filter(Q(day__lt=first) | Q(day__gt=today)).delete()
    start = first
    while start <= today:
        end = min(start + timedelta(days=REBUILD_CHUNK_DAYS - 1), today)
        total += rebuild(start, end)
        start = end + timedelta(days=1)
    return total


def _local_days(times) -> set[date]:
    return {timezone.localdate(t) for t in times if t is not None}


def changed_days(since: datetime) -> set[date]:
    """The days whose figures the work audited since `since` may have changed."""
    types = ContentType.objects.get_for_models(Contact, Rating, InformationRequest, Person, Referral, Outcome)
    by_type: dict[int, set[int]] = {}
    for type_id, target_id in (AuditEvent.objects.filter(at__gte=since, action__in=FIGURE_ACTIONS)
                               .exclude(target_type=None).values_list("target_type_id", "target_id").distinct()):
        if target_id.isdigit():
            by_type.setdefault(type_id, set()).add(int(target_id))
    if not by_type:
        return set()

    def ids(model) -> set[int]:
        return by_type.get(types[model].pk, set())

    contacts = ids(Contact)
    contacts |= set(Rating.objects.filter(pk__in=ids(Rating)).values_list("contact_id", flat=True))
    contacts |= set(Outcome.objects.filter(pk__in=ids(Outcome)).values_list("contact_id", flat=True))
    contacts |= set(Referral.objects.filter(pk__in=ids(Referral)).values_list("contact_id", flat=True))
    people = ids(Person)
    requests = ids(InformationRequest)
    days: set[date] = set()
    for received_at, met_at in Contact.objects.filter(pk__in=contacts).values_list("received_at", "met_at"):
        days |= _local_days([received_at, met_at])
    days |= _local_days(Outcome.objects.filter(contact_id__in=contacts).values_list("decided_at", flat=True))
    ratings = dict(Rating.objects.filter(contact_id__in=contacts).values_list("pk", "decided_at"))
    days |= _local_days(ratings.values())
    requests |= set(InformationRequest.objects.filter(enquiry__contact_id__in=contacts).values_list("pk", flat=True))
    days |= _local_days(InformationRequest.objects.filter(pk__in=requests).values_list("met_at", flat=True))
    # A referral changes the re-referral count of the same child's later referrals (within 12 months).
    referred = list(Referral.objects.filter(Q(contact_id__in=contacts) | Q(person_id__in=people))
                    .values_list("person_id", "referral_date"))
    days |= {day for _, day in referred}
    if referred:
        earliest = min(day for _, day in referred)
        days |= set(Referral.objects.filter(person_id__in={p for p, _ in referred}, referral_date__gt=earliest,
                                            referral_date__lte=max(d for _, d in referred) + timedelta(days=366))
                    .values_list("referral_date", flat=True))
    clocked = (Q(target_type=types[Contact], target_id__in=contacts)
               | Q(target_type=types[Rating], target_id__in=ratings)
               | Q(target_type=types[InformationRequest], target_id__in=requests))
    days |= _local_days(Escalation.objects.filter(clocked, kind=EscalationKind.BREACH)
                        .values_list("raised_at", flat=True))
    return days


def _runs(days: set[date]):
    """Consecutive days as (first, last) pairs."""
    ordered = sorted(days)
    while ordered:
        first = last = ordered.pop(0)
        while ordered and ordered[0] == last + timedelta(days=1):
            last = ordered.pop(0)
        yield first, last


def refresh(*, now: datetime | None = None) -> int:
    """Bring the summaries up to date with the work audited since the last refresh (every day, the first time);
    returns how many days were recomputed. One refresh at a time (a named lock)."""
    now = now or timezone.now()
    overlap = timedelta(seconds=settings.PERFORMANCE_REFRESH_OVERLAP_SECONDS)
    with transaction.atomic():
        named_lock(LOCK)  # one refresh at a time (first thing: SQLite waits for its write lock only then)
        state = FiguresRefresh.objects.filter(pk=1).first()
        if state is None:
            first = _first_day()
            rebuild_all(timezone.localdate(now))
            days = (timezone.localdate(now) - first).days + 1 if first else 0
            FiguresRefresh.objects.update_or_create(pk=1, defaults={"through": now, "refreshed_at": now,
                                                                    "days": days})
            return days
        days = changed_days(state.through - overlap)
        rebuild_runs(_runs(days))  # one query a figure, however many days
        state.through, state.refreshed_at, state.days = now, now, len(days)
        state.save(update_fields=["through", "refreshed_at", "days"])
        return len(days)


def refresh_all(*, now: datetime | None = None) -> int:
    """Rebuild every day and start the audit log's reading afresh from now; returns how many rows."""
    now = now or timezone.now()
    with transaction.atomic():
        named_lock(LOCK)
        total = rebuild_all(timezone.localdate(now))
        FiguresRefresh.objects.update_or_create(pk=1, defaults={"through": now, "refreshed_at": now, "days": 0})
    return total


def refreshed_at() -> datetime | None:
    return FiguresRefresh.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
