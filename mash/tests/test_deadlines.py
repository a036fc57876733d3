"""Windows, the calendar from the database, clocks on rows, and the sweep as a plain function."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from contacts.models import Contact
from mash import deadlines
from mash.clock import LONDON
from mash.errors import DomainError
from mash.models import (
    AuditAction,
    AuditEvent,
    ClosureDay,
    Escalation,
    EscalationKind,
    Notification,
    ResponseWindow,
)
from mash.tests.helpers import broken_for, clocked_contact

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


# --- windows and the calendar ---------------------------------------------------------------------------


def test_default_windows_are_seeded():
    active = {(w.stage, w.rating): w for w in ResponseWindow.objects.filter(active=True)}
    assert set(active) == {
        ("contact_decision", ""), ("brag_response", "red"), ("brag_response", "amber"),
        ("brag_response", "green"), ("brag_response", "blue"), ("information_request", ""),
        ("rating_approval", "red"), ("rating_approval", "amber"), ("rating_approval", "green"),
        ("rating_approval", "blue"), ("information_request", "red"), ("information_request", "amber"),
        ("information_request", "green"), ("information_request", "blue"),
    }
    red = active[("brag_response", "red")]
    assert (red.target, red.limit, red.unit, red.second_level_minutes) == (3, 4, "clock_hours", 30)
    amber = active[("brag_response", "amber")]
    assert (amber.target, amber.limit, amber.unit) == (24, 36, "clock_hours")
    assert active[("contact_decision", "")].unit == "working_days"
    assert active[("brag_response", "green")].limit == 10
    # The proposed rating's own clock (issue 11): Red 30 clock minutes, Amber 2 working hours, Green/Blue 1 day.
    approval = {rating: active[("rating_approval", rating)] for rating in ("red", "amber", "green", "blue")}
    assert (approval["red"].limit, approval["red"].unit, approval["red"].target) == (Decimal("0.5"), "clock_hours",
                                                                                     Decimal("0.25"))
    assert (approval["amber"].limit, approval["amber"].unit) == (2, "working_hours")
    assert {(w.limit, w.unit, w.target, w.target_unit) for r, w in approval.items() if r in ("green", "blue")} == {
        (1, "working_days", 4, "working_hours")}


def test_window_for_prefers_the_rating_then_any_rating():
    assert deadlines.window_for("brag_response", "red").rating == "red"
    assert deadlines.window_for("contact_decision", "red").rating == ""
    with pytest.raises(DomainError):
        deadlines.window_for("no_such_stage")


def test_a_missing_window_is_a_configuration_error_said_plainly():
    # Nothing re-creates windows at run time (the migration seeds them; the test fixture puts them back).
    ResponseWindow.objects.all().delete()
    with pytest.raises(DomainError, match="No response window is configured for brag_response \\(amber\\)"):
        deadlines.window_for("brag_response", "amber")
    assert not ResponseWindow.objects.exists()
    assert deadlines.windows_ensure_defaults() == len(deadlines.DEFAULT_WINDOWS)
    assert deadlines.window_for("brag_response", "amber").limit == 36


def test_contact_decision_is_one_working_day_and_warns_after_six_working_hours():
    window = deadlines.window_for("contact_decision")
    warn_at, due_at = deadlines.window_deadlines(window, datetime(2026, 11, 27, 16, 0, tzinfo=LONDON))  # Friday
    assert due_at == datetime(2026, 11, 30, 16, 0, tzinfo=LONDON)  # Monday 16:00
    assert warn_at == datetime(2026, 11, 30, 14, 0, tzinfo=LONDON)  # 1 h Friday + 5 h Monday


def test_closure_days_from_the_database_move_working_day_deadlines():
    window = deadlines.window_for("contact_decision")
    assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    ClosureDay.objects.create(date=date(2026, 11, 24), reason="Council closure")
    assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
    ClosureDay.objects.filter(date=date(2026, 11, 24)).delete()
    assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)


def test_a_closure_day_that_rolls_back_never_counted():
    from django.db import transaction

    window = deadlines.window_for("contact_decision")
    assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    with pytest.raises(RuntimeError), transaction.atomic():
        ClosureDay.objects.create(date=date(2026, 11, 24), reason="Typed in error")
        assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)
        raise RuntimeError("the admin's save failed")
    assert deadlines.window_deadlines(window, MONDAY_10)[1] == datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)


def test_closure_days_move_working_hours_and_respect_the_windows_own_hours():
    window = deadlines.window_for("contact_decision")
    window = deadlines.window_revise(
        actor=None, window_id=window.pk,
        values={"unit": "working_hours", "limit": Decimal(8), "target": Decimal(4), "target_unit": "",
                "day_start": datetime(2000, 1, 1, 8, 0).time(), "day_end": datetime(2000, 1, 1, 18, 0).time()},
    )
    ClosureDay.objects.create(date=date(2026, 11, 24), reason="Training day")
    warn_at, due_at = deadlines.window_deadlines(window, MONDAY_10)
    assert warn_at == datetime(2026, 11, 23, 14, 0, tzinfo=LONDON)
    # 8 working hours from Monday 10:00 in an 08:00-18:00 day: Monday 8 h left is exactly enough.
    assert due_at == datetime(2026, 11, 23, 18, 0, tzinfo=LONDON)
    warn_at, due_at = deadlines.window_deadlines(window, datetime(2026, 11, 23, 16, 0, tzinfo=LONDON))
    # 2 h Monday, Tuesday closed, 6 h Wednesday.
    assert due_at == datetime(2026, 11, 25, 14, 0, tzinfo=LONDON)


def test_clock_start_remembers_the_window_version_and_a_change_applies_to_new_clocks(personas):
    old = clocked_contact(personas.screener, started_at=timezone.now(), rating="amber")
    v1 = old.clock_window
    assert old.due_at - old.clock_started_at == timedelta(hours=36)
    assert old.warn_at - old.clock_started_at == timedelta(hours=24)
    v2 = deadlines.window_revise(actor=personas.admin, window_id=v1.pk, values={"limit": Decimal(48)})
    v1.refresh_from_db()
    assert (v1.active, v2.active, v2.version) == (False, True, v1.version + 1)
    old.refresh_from_db()
    assert old.clock_window_id == v1.pk and old.due_at - old.clock_started_at == timedelta(hours=36)
    new = clocked_contact(personas.screener, started_at=timezone.now(), rating="amber")
    assert new.clock_window_id == v2.pk and new.due_at - new.clock_started_at == timedelta(hours=48)
    assert AuditEvent.objects.filter(action=AuditAction.WINDOW_CHANGED, target_id=str(v2.pk)).exists()
    assert v2.history.count() == 1 and v1.history.latest().active is False  # the change is in the history


def test_window_rules_are_constraints():
    window = deadlines.window_for("brag_response", "red")
    with pytest.raises(DomainError):
        deadlines.window_revise(actor=None, window_id=window.pk, values={"stage": "contact_decision"})
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        deadlines.window_revise(actor=None, window_id=window.pk, values={"target": Decimal(5)})  # after limit
    with pytest.raises(ValidationError):  # two active windows for one stage and rating
        ResponseWindow(stage="brag_response", rating="red", limit=Decimal(1), unit="clock_hours").full_clean()
    assert ResponseWindow.objects.get(pk=window.pk).active  # the failed change left the window as it was


def test_admin_change_saves_a_new_version(personas, client):
    from agencies.models import User

    root = User.objects.create_superuser("root", "root@example.gov.uk", "x" * 16, agency=personas.social_care)
    client.force_login(root)
    window = deadlines.window_for("brag_response", "amber")
    url = f"/admin/mash/responsewindow/{window.pk}/change/"
    assert client.get(url).status_code == 200
    # Bad values get the rule in words, not the name of a database constraint; nothing changes.
    for limit, day_end, message in [("0", "17:00", "The limit must be more than 0."),
                                    ("30", "08:00", "The working day must start before it ends.")]:
        response = client.post(url, {"target": "", "target_unit": "", "limit": limit, "unit": "clock_hours",
                                     "day_start": "09:00", "day_end": day_end, "second_level_minutes": "45"})
        html = response.content.decode()
        assert response.status_code == 200 and message in html and "Constraint" not in html, limit
    assert deadlines.window_for("brag_response", "amber").pk == window.pk
    response = client.post(url, {
        "target": "20", "target_unit": "", "limit": "30", "unit": "clock_hours", "day_start": "09:00",
        "day_end": "17:00", "second_level_minutes": "45",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    current = deadlines.window_for("brag_response", "amber")
    assert current.pk != window.pk and current.limit == 30 and current.second_level_minutes == 45
    window.refresh_from_db()
    assert not window.active and window.limit == 36
    assert client.post(f"/admin/mash/responsewindow/{window.pk}/delete/").status_code == 403


# --- clocks on rows -------------------------------------------------------------------------------------


def test_a_contact_starts_on_the_contact_decision_window(personas):
    from contacts.tests.factories import make_contact

    contact = make_contact(personas.screener)
    assert contact.clock_stage == "contact_decision"
    assert contact.clock_window == deadlines.window_for("contact_decision")


def test_restart_from_amber_to_red_says_so_in_the_timeline(personas):
    start = timezone.now() - timedelta(hours=2)
    contact = clocked_contact(personas.screener, started_at=start, rating="amber")
    now = timezone.now()
    deadlines.clock_restart(contact, started_at=now, rating="red", actor=personas.manager)
    contact.save()
    contact.refresh_from_db()
    assert contact.clock_window.rating == "red"
    assert contact.due_at == now + timedelta(hours=4)
    event = AuditEvent.objects.get(action=AuditAction.CLOCK_RESTARTED, target_id=str(contact.pk))
    assert event.changes["from"]["rating"] == "amber" and event.changes["to"]["rating"] == "red"
    assert event.actor == personas.manager


# --- the sweep, as a plain function ----------------------------------------------------------------------


@pytest.fixture
def cast(personas):
    """Personas plus a duty manager and a service manager (the second level)."""
    from agencies.models import User

    duty, _ = Group.objects.get_or_create(name="duty_manager")
    service, _ = Group.objects.get_or_create(name="service_manager")
    personas.manager2 = User.objects.create_user(
        "manager2", email="manager2@example.gov.uk", agency=personas.social_care, first_name="Max", last_name="Two"
    )
    personas.manager2.groups.add(Group.objects.get(name="manager"), duty)
    personas.head = User.objects.create_user(
        "head", email="head@example.gov.uk", agency=personas.social_care, first_name="Hana", last_name="Head"
    )
    personas.head.groups.add(service)
    return personas


def recipients(escalation) -> set[str]:
    return set(Notification.objects.filter(escalation=escalation).values_list("recipient__username", flat=True))


def test_sweep_records_warnings_and_breaches_once(cast):
    now = timezone.now()
    p = cast
    breached = clocked_contact(p.screener, started_at=now - timedelta(hours=5), assigned_screener=p.screener2)
    warned = clocked_contact(p.screener, started_at=now - timedelta(hours=3, minutes=30), assigned_screener=p.screener2)
    future = clocked_contact(p.screener, started_at=now - timedelta(hours=1))
    met = clocked_contact(p.screener, started_at=now - timedelta(hours=5))
    deadlines.clock_stop(met, at=now - timedelta(hours=2))
    met.save()
    already = clocked_contact(p.screener, started_at=now - timedelta(hours=3, minutes=30))
    Contact.objects.filter(pk=already.pk).update(warned_at=now - timedelta(minutes=20))

    result = deadlines.sweep(now=now)

    # A clock found past both its target and its limit is breached only: a warning raised at the same
    # moment as the breach would say less, later.
    assert (result.warnings, result.breaches, result.second_level, result.errors) == (1, 1, 0, 0)
    by_target = {(e.target_id, e.kind): e for e in Escalation.objects.all()}
    assert set(by_target) == {
        (breached.pk, EscalationKind.BREACH),
        (warned.pk, EscalationKind.WARNING),
    }
    breach = by_target[(breached.pk, EscalationKind.BREACH)]
    assert breach.deadline_at == breached.due_at and breach.raised_at == now and breach.rating == "red"
    assert breach.second_level_due_at == now + timedelta(minutes=30)  # Red: 30 minutes
    # warning: the assigned screener and the duty manager; breach: every MASH manager, and here, as the
    # clock's warning was never raised, those it would have gone to (the assigned screener).
    assert recipients(by_target[(warned.pk, EscalationKind.WARNING)]) == {"screener2", "manager2"}
    assert recipients(breach) == {"manager", "manager2", "screener2"}
    assert Notification.objects.filter(escalation=breach, recipient=p.manager, email="manager@example.gov.uk").exists()
    for contact in (breached, warned, future, met, already):
        contact.refresh_from_db()
    assert breached.breached_at == now and breached.warned_at == now
    assert warned.warned_at == now and warned.breached_at is None
    assert future.warned_at is None and met.breached_at is None
    timeline = set(AuditEvent.objects.filter(target_id=str(breached.pk)).values_list("action", flat=True))
    assert AuditAction.CLOCK_BREACHED in timeline and AuditAction.CLOCK_WARNED not in timeline

    counts = (Escalation.objects.count(), Notification.objects.count(), AuditEvent.objects.count())
    again = deadlines.sweep(now=now + timedelta(seconds=20))
    assert (again.warnings, again.breaches, again.second_level) == (0, 0, 0)
    assert (Escalation.objects.count(), Notification.objects.count(), AuditEvent.objects.count()) == counts


def test_warning_goes_to_every_manager_when_nobody_is_on_duty(personas):
    now = timezone.now()
    contact = clocked_contact(personas.screener, started_at=now - timedelta(hours=3, minutes=10))
    deadlines.sweep(now=now)
    warning = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.WARNING)
    assert recipients(warning) == {"manager"}  # no assigned screener, no duty manager: the managers


def test_breach_not_acknowledged_escalates_to_the_second_level_once(cast):
    now = timezone.now()
    contact = clocked_contact(cast.screener, started_at=now - timedelta(hours=4, minutes=1))
    deadlines.sweep(now=now)
    assert deadlines.sweep(now=now + timedelta(minutes=29)).second_level == 0
    result = deadlines.sweep(now=now + timedelta(minutes=31))
    assert result.second_level == 1
    further = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.SECOND_LEVEL)
    assert recipients(further) == {"head"}
    breach = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)
    assert breach.escalated_at == now + timedelta(minutes=31) and breach.second_level_due_at is None
    assert deadlines.sweep(now=now + timedelta(hours=2)).second_level == 0
    assert Escalation.objects.filter(kind=EscalationKind.SECOND_LEVEL).count() == 1


def test_acknowledged_breach_does_not_escalate_further(cast):
    now = timezone.now()
    contact = clocked_contact(cast.screener, started_at=now - timedelta(hours=4, minutes=1))
    deadlines.sweep(now=now)
    breach = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)
    with pytest.raises(DomainError):
        deadlines.escalation_acknowledge(actor=cast.manager, escalation_id=breach.pk, note="  ")
    deadlines.escalation_acknowledge(actor=cast.manager, escalation_id=breach.pk, note="Strategy meeting at 2pm")
    assert deadlines.sweep(now=now + timedelta(hours=1)).second_level == 0
    breach.refresh_from_db()
    assert breach.acknowledged_by == cast.manager and breach.acknowledgement_note == "Strategy meeting at 2pm"
    event = AuditEvent.objects.get(action=AuditAction.ESCALATION_ACKNOWLEDGED)
    assert event.target_id == str(contact.pk) and event.actor == cast.manager
    with pytest.raises(DomainError, match="already acknowledged"):
        deadlines.escalation_acknowledge(actor=cast.manager, escalation_id=breach.pk, note="again")
    other = clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=1))
    deadlines.sweep(now=now)
    warning = Escalation.objects.get(target_id=other.pk, kind=EscalationKind.WARNING)
    with pytest.raises(DomainError, match="Only a breach"):
        deadlines.escalation_acknowledge(actor=cast.manager, escalation_id=warning.pk, note="n")


def test_a_stopped_or_restarted_clock_does_not_escalate_further(cast):
    now = timezone.now()
    stopped = clocked_contact(cast.screener, started_at=now - timedelta(hours=5))
    restarted = clocked_contact(cast.screener, started_at=now - timedelta(hours=37), rating="amber")
    deadlines.sweep(now=now)
    deadlines.clock_stop(stopped, at=now + timedelta(minutes=5))
    stopped.save()
    deadlines.clock_restart(restarted, started_at=now + timedelta(minutes=5), rating="red")
    restarted.save()
    assert deadlines.sweep(now=now + timedelta(hours=2)).second_level == 0
    assert not Escalation.objects.filter(second_level_due_at__isnull=False).exists()
    # The restarted clock is a new run: breached again on its own limit, once.
    result = deadlines.sweep(now=now + timedelta(hours=4, minutes=6))
    assert result.breaches == 1
    assert Escalation.objects.filter(target_id=restarted.pk, kind=EscalationKind.BREACH).count() == 2


def test_a_burst_is_one_digest_per_person_and_a_few_are_messages_of_their_own(cast, settings):
    settings.NOTIFICATION_DIGEST_AFTER = 5
    now = timezone.now()
    burst = [clocked_contact(cast.screener, started_at=now - timedelta(hours=5)) for _ in range(23)]
    warned = [clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=30),
                              assigned_screener=cast.screener2) for _ in range(3)]
    result = deadlines.sweep(now=now)
    assert (result.breaches, result.warnings) == (23, 3)

    # 23 breaches for each manager: one digest each, naming the first 20 and counting the rest.
    digests = Notification.objects.filter(kind="escalation.breach.digest")
    assert {n.recipient.username for n in digests} == {"manager", "manager2"}
    assert not Notification.objects.filter(kind="escalation.breach").exists()
    digest = digests.get(recipient=cast.manager)
    assert digest.subject == "Breaches: 23 past their limit"
    assert digest.link == "/at-risk/" and digest.email == "manager@example.gov.uk" and digest.escalation is None
    named = [c for c in burst if c.reference in digest.body]
    assert len(named) == 20 and digest.body.endswith("and 3 more.")
    # 3 warnings: the assigned screener and the duty manager get a message each, linked to the contact.
    for contact in warned:
        warning = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.WARNING)
        assert recipients(warning) == {"screener2", "manager2"}
        assert Notification.objects.filter(escalation=warning, link=f"/contacts/{contact.reference}/").count() == 2

    # Digests of warnings link to the queue, where the screener's work is.
    more = [clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=30),
                            assigned_screener=cast.screener2) for _ in range(6)]
    assert deadlines.sweep(now=now).warnings == len(more)
    screener_digest = Notification.objects.get(recipient=cast.screener2, kind="escalation.warning.digest")
    assert screener_digest.subject == "Due soon: 6 past their target" and screener_digest.link == "/at-risk/"


def test_register_refuses_columns_the_model_does_not_have():
    with pytest.raises(ValueError, match="assigned_screener__email"):
        deadlines.register(Contact, fields=("reference", "assigned_screener__email"), responsible=lambda r, k: [],
                           label=str, url=str)


def test_one_bad_row_is_logged_and_skipped(cast):
    import logging


    logged = []
    handler = logging.Handler()
    handler.emit = logged.append
    logging.getLogger("mash.deadlines").addHandler(handler)

    now = timezone.now()
    good = [clocked_contact(cast.screener, started_at=now - timedelta(hours=5)) for _ in range(3)]
    bad = clocked_contact(cast.screener, started_at=now - timedelta(hours=5))
    try:
        with broken_for(bad, "responsible"):
            result = deadlines.sweep(now=now, batch_size=2)
    finally:
        logging.getLogger("mash.deadlines").removeHandler(handler)
    assert result.breaches == 3 and result.errors == 1
    assert any("broken row" in str(record.exc_info[1]) for record in logged if record.exc_info)
    assert set(Escalation.objects.filter(kind="breach").values_list("target_id", flat=True)) == {c.pk for c in good}
    bad.refresh_from_db()
    assert bad.breached_at is None and bad.warned_at is None  # the claim's mark is taken off: the next pass tries
    assert not Escalation.objects.filter(target_id=bad.pk).exists()
    assert deadlines.sweep(now=now).breaches == 1


def test_sweep_queries_do_not_grow_with_rows(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()

    def sweep_queries(count):
        for _ in range(count):
            clocked_contact(cast.screener, started_at=now - timedelta(hours=5), assigned_screener=cast.screener2)
            clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=30),
                            assigned_screener=cast.screener2)
        with CaptureQueriesContext(connection) as ctx:
            result = deadlines.sweep(now=now)
        assert result.breaches == result.warnings == count
        return result, [str(q["sql"])[:120] for q in ctx.captured_queries]

    (few_result, few), (many_result, many) = sweep_queries(2), sweep_queries(40)
    # Two each: one message per escalation and person (warning: the assigned screener and the duty
    # manager; breach: the two managers and the screener). Forty each: one digest per person and kind.
    # The breaches skipped their warnings, so the assigned screener hears of them too.
    assert few_result.notifications == 2 * 2 + 2 * 3
    assert many_result.notifications == 2 + 3
    # Per kind (breach, then warning): savepoint, claim-and-mark, savepoint, escalation ids, COPY
    # escalations, COPY audit rows, who to tell (group members once a pass), their addresses, COPY
    # notifications, release, release; the windows once. Second level: savepoint, claim (none), release.
    # Each other registered model with nothing due (proposed ratings' approval clocks): per kind, savepoint,
    # claim (none), release; and the same for information requests (issue 10).
    assert len(few) == len(many), "\n".join(many)
    assert len(many) <= 26 + 6 + 6, "\n".join(many)


def test_at_risk_lists_past_target_and_breached_by_rating(cast):
    now = timezone.now()
    red = clocked_contact(cast.screener, started_at=now - timedelta(hours=5))
    amber = clocked_contact(cast.screener, started_at=now - timedelta(hours=25), rating="amber")
    clocked_contact(cast.screener, started_at=now - timedelta(hours=1))
    deadlines.sweep(now=now)
    groups = deadlines.at_risk(user=cast.manager, now=now)["groups"]
    assert [g["rating"] for g in groups] == ["red", "amber"]
    (red_item,) = groups[0]["stages"][0]["items"]
    assert red_item.row == red and red_item.status == "breached" and red_item.breach.kind == "breach"
    (amber_item,) = groups[1]["stages"][0]["items"]
    assert amber_item.row == amber and amber_item.status == "warning" and amber_item.breach is None
    # A restricted contact is not listed for people without a grant.
    Contact.objects.filter(pk=red.pk).update(restricted=True)
    assert [g["rating"] for g in deadlines.at_risk(user=cast.manager, now=now)["groups"]] == ["amber"]


def test_the_board_draws_a_bounded_page_and_never_pushes_a_red_off(cast):
    """A backlog of Greens long overdue, then one fresh Red breach: the board shows the most overdue few of
    each rating, counts them all, and shows one rating in full a page at a time."""
    now = timezone.now()
    greens = [clocked_contact(cast.screener, started_at=now - timedelta(days=20 + 7 * i), rating="green")
              for i in range(7)]
    red = clocked_contact(cast.screener, started_at=now - timedelta(hours=4, minutes=1))
    deadlines.sweep(now=now)
    board = deadlines.at_risk(user=cast.manager, now=now, shown=3)
    assert board["total"] == 8
    red_group, green_group = board["groups"]
    assert [i.row for s in red_group["stages"] for i in s["items"]] == [red]
    assert green_group["count"] == 7 and green_group["more"] == 4
    # The most overdue first (a week apart, so no two are due at the same time).
    assert [i.row for s in green_group["stages"] for i in s["items"]] == greens[::-1][:3]
    assert green_group["stages"][0]["count"] == 7
    page2 = deadlines.at_risk(user=cast.manager, now=now, rating="green", page=2, per_page=3)
    (only,) = page2["groups"]
    assert [i.row for s in only["stages"] for i in s["items"]] == greens[::-1][3:6]
    assert page2["page"].paginator.count == 7 and only["more"] == 4


def test_the_portable_path_gives_the_same_result(cast, monkeypatch):
    """The portable path (bulk_create, no FOR UPDATE SKIP LOCKED) gives the same result; tests/test_sweep_sqlite.py
    runs it on a real SQLite database."""
    from django.db import connection

    now = timezone.now()
    contact = clocked_contact(cast.screener, started_at=now - timedelta(hours=5), assigned_screener=cast.screener2)
    clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=30), assigned_screener=cast.screener2)
    monkeypatch.setattr(connection, "vendor", "sqlite-like")
    result = deadlines.sweep(now=now)
    monkeypatch.undo()
    assert (result.warnings, result.breaches, result.notifications) == (1, 1, 5)
    breach = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)
    assert recipients(breach) == {"manager", "manager2", "screener2"}
    assert AuditEvent.objects.filter(action=AuditAction.CLOCK_BREACHED, target_id=str(contact.pk)).exists()


def test_the_audit_row_writes_the_deadline_as_python_does(cast):
    # Microseconds with a trailing zero: PostgreSQL's own JSON would drop it, Python's isoformat keeps six digits.
    now = timezone.now().replace(microsecond=401030)
    contact = clocked_contact(cast.screener, started_at=now - timedelta(hours=4, minutes=1))
    deadlines.sweep(now=now)
    contact.refresh_from_db()
    event = AuditEvent.objects.get(action=AuditAction.CLOCK_BREACHED, target_id=str(contact.pk))
    assert event.changes == {"stage": "brag_response", "rating": "red", "deadline": contact.due_at.isoformat()}
    assert event.changes["deadline"].endswith(".401030+00:00") and event.at == now


def test_a_warning_that_cannot_be_recorded_is_left_for_the_next_pass(cast):

    now = timezone.now()
    good = clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=10))
    bad = clocked_contact(cast.screener, started_at=now - timedelta(hours=3, minutes=10))
    with broken_for(bad, "label"):
        result = deadlines.sweep(now=now)
    assert (result.warnings, result.errors) == (1, 1)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.warned_at is None and good.warned_at == now
    assert deadlines.sweep(now=now).warnings == 1  # the next pass records it


def test_a_clock_without_a_start_or_a_window_still_escalates(cast):
    now = timezone.now()
    no_start = clocked_contact(cast.screener, started_at=now - timedelta(hours=5))
    no_window = clocked_contact(cast.screener, started_at=now - timedelta(hours=5))
    Contact.objects.filter(pk=no_start.pk).update(clock_started_at=None)
    Contact.objects.filter(pk=no_window.pk).update(clock_window=None)
    assert deadlines.sweep(now=now).breaches == 2
    breach = Escalation.objects.get(target_id=no_start.pk, kind=EscalationKind.BREACH)
    assert breach.clock_started_at == no_start.due_at  # the run is named by its limit
    windowless = Escalation.objects.get(target_id=no_window.pk, kind=EscalationKind.BREACH)
    assert windowless.window is None and windowless.rating == ""  # no approved rating, no window to say
    assert windowless.second_level_due_at == now + timedelta(minutes=60)  # DEADLINE_SECOND_LEVEL_MINUTES
    # Neither breach is acknowledged: both go to the second level, once.
    later = now + timedelta(hours=2)
    assert deadlines.sweep(now=later).second_level == 2
    assert deadlines.sweep(now=later).second_level == 0


def test_second_level_for_a_burst_is_one_digest_to_the_service_managers(cast):
    now = timezone.now()
    burst = [clocked_contact(cast.screener, started_at=now - timedelta(hours=4, minutes=1)) for _ in range(7)]
    deadlines.sweep(now=now)
    result = deadlines.sweep(now=now + timedelta(minutes=31))  # Red: 30 minutes to acknowledge
    assert (result.second_level, result.notifications) == (7, 1)
    digest = Notification.objects.get(kind="escalation.second_level.digest")
    assert digest.recipient == cast.head and digest.subject == "Escalated: 7 breaches nobody has acknowledged"
    assert all(contact.reference in digest.body for contact in burst)
