"""The performance figures for a hand-built month: every number in every table, the CSV of a table, and a partner's
view limited to their own agency's contacts."""

import csv
import io
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import Team
from contacts import services as contact_services
from contacts.services import SubjectInput, contact_create
from mash.models import AuditEvent
from reports import performance
from reports.actions import ReportAction
from reports.annex_a import Period

from .helpers import screen_and_rate

pytestmark = pytest.mark.django_db

OCTOBER = Period(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date())
OCTOBER_QUERY = {"start-day": 1, "start-month": 10, "start-year": 2026, "end-day": 31, "end-month": 10,
                 "end-year": 2026}


def at(day, hour, minute=0, month=10):
    return timezone.make_aware(datetime(2026, month, day, hour, minute))


def contact_at(personas, received, *, source, channel, decided=None, outcome=None, team=None, decided_brag=None,
               outcome_after=1):
    """A contact received at `received`; proposed Amber, rated by a manager at `decided` (None: not yet; Amber
    unless `decided_brag`), and given `outcome` `outcome_after` hours after that."""
    with time_machine.travel(received, tick=False):
        contact = contact_create(actor=personas.screener, received_at=received, channel=channel,
                                 referrer_name="R", referral_source=source, concern="A concern.",
                                 consent_answer="" if channel == "police_notification" else "given",
                                 children=[SubjectInput(first_name="Kid", last_name=f"N{source}{received:%d%H}",
                                                        date_of_birth=datetime(2018, 5, 5).date())])
    if decided is None:
        return contact
    with time_machine.travel(decided, tick=False):
        screen_and_rate(personas, contact, decided_brag=decided_brag)
    if outcome:
        with time_machine.travel(decided.replace(hour=decided.hour + outcome_after), tick=False):
            contact_services.outcome_decide(actor=personas.manager, contact=contact, kind=outcome, rationale="r",
                                            summary="s", receiving_team=team)
    return contact


@pytest.fixture
def month(personas):
    """October 2026 (no bank holidays): five contacts; and one in the month before."""
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    early_help = Team.objects.create(agency=personas.social_care, name="Early help hub", receives_outcomes=True)
    # Monday: police, decided the same afternoon (on time), section 47: a referral.
    contact_at(personas, at(5, 10), source="6", channel="police_notification", decided=at(5, 15),
               outcome="strategy_s47", team=team)
    # Tuesday: school, decided Wednesday 09:00 (due Wednesday 10:00: on time), section 17: a referral.
    contact_at(personas, at(6, 10), source="2A", channel="phone", decided=at(7, 9), outcome="s17_assessment",
               team=team)
    # Friday 16:00: school, decided Monday 17:00 (due Monday 16:00: late) and made Red, no further action 6 hours
    # later (Red's window is 4 hours: missed).
    contact_at(personas, at(9, 16), source="2A", channel="email", decided=at(12, 17), outcome="nfa",
               decided_brag="red", outcome_after=6)
    # Monday: health visitor, not decided yet.
    contact_at(personas, at(12, 10), source="3B", channel="phone")
    # Thursday: police, decided the same day and made Green, early help.
    contact_at(personas, at(15, 10), source="6", channel="police_notification", decided=at(15, 11),
               outcome="early_help", team=early_help, decided_brag="green")
    # September (the period before): police, on time, advice.
    contact_at(personas, at(15, 10, month=9), source="6", channel="police_notification",
               decided=at(15, 12, month=9), outcome="universal_advice")


def rows(tables):
    return {t.key: t.rows for t in tables}


def test_every_figure_of_the_month_for_a_manager(personas, month):
    with time_machine.travel(at(20, 9, month=11), tick=False):
        tables = rows(performance.figures(user=personas.manager, period=OCTOBER))
    assert tables["sources"] == [["2A Schools", 2, 0], ["3B Health: health visitor", 1, 0], ["6 Police", 2, 1],
                                 ["Total", 5, 1]]
    assert tables["channels"] == [["Phone call", 2, 0], ["E-mail", 1, 0], ["Police notification", 2, 1],
                                  ["Total", 5, 1]]
    assert tables["decisions"] == [["Decided within 1 working day", 3, 1], ["Decided later", 1, 0],
                                   ["Not decided yet", 1, 0], ["Within 1 working day (% of decided)", "75%", "100%"]]
    assert tables["windows"] == [["Red", "0 of 1", "0 of 0"], ["Amber", "2 of 2", "1 of 1"],
                                 ["Green", "1 of 1", "0 of 0"], ["All ratings", "3 of 4", "1 of 1"]]
    assert tables["ratings"] == [["Agreed", 2, 1], ["Made more urgent (escalated)", 1, 0],
                                 ["Made less urgent (de-escalated)", 1, 0]]
    assert tables["outcomes"] == [
        ["Strategy discussion / section 47 enquiry", 1, 0], ["Section 17 child-in-need assessment", 1, 0],
        ["Early help", 1, 0], ["Universal services / advice", 0, 1], ["No further action", 1, 0], ["Total", 4, 1]]
    assert tables["conversion"] == [["Outcomes decided", 4, 1], ["Became referrals", 2, 0],
                                    ["Conversion rate", "50%", "0%"],
                                    ["Repeat contacts received (3 or more in 12 months)", 0, 0],
                                    ["Re-referrals (a child referred in the 12 months before)", 0, 0]]


def test_a_partner_sees_only_their_agencys_contacts(personas, month):
    with time_machine.travel(at(20, 9, month=11), tick=False):
        tables = rows(performance.figures(user=personas.police_partner, period=OCTOBER))
        health = rows(performance.figures(user=personas.health_partner, period=OCTOBER))
    assert tables["sources"] == [["6 Police", 2, 1], ["Total", 2, 1]]
    assert tables["decisions"][:3] == [["Decided within 1 working day", 2, 1], ["Decided later", 0, 0],
                                       ["Not decided yet", 0, 0]]
    assert tables["outcomes"][-1] == ["Total", 2, 1]
    assert tables["conversion"][:2] == [["Outcomes decided", 2, 1], ["Became referrals", 1, 0]]
    assert tables["windows"] == [["Amber", "1 of 1", "1 of 1"], ["Green", "1 of 1", "0 of 0"],
                                 ["All ratings", "2 of 2", "1 of 1"]]
    assert tables["ratings"] == [["Agreed", 1, 1], ["Made more urgent (escalated)", 0, 0],
                                 ["Made less urgent (de-escalated)", 1, 0]]
    assert health["sources"] == [["3B Health: health visitor", 1, 0], ["Total", 1, 0]]
    assert health["decisions"][2] == ["Not decided yet", 1, 0]


def test_the_page_and_each_tables_csv(personas, client_for, month):
    client = client_for(personas.manager)
    with time_machine.travel(at(20, 9, month=11), tick=True):
        page = client.get("/reports/performance/", OCTOBER_QUERY)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="table-decisions"' in html and "75%" in html
        response = client.get("/reports/performance/decisions.csv", OCTOBER_QUERY)
        assert client.get("/reports/performance/nothing.csv", OCTOBER_QUERY).status_code == 404
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Decisions within 1 working day", "01/10/2026 to 31/10/2026", "31/08/2026 to 30/09/2026"],
        ["Decided within 1 working day", "3", "1"], ["Decided later", "1", "0"], ["Not decided yet", "1", "0"],
        ["Within 1 working day (% of decided)", "75%", "100%"]]
    event = AuditEvent.objects.get(action=ReportAction.DASHBOARD_DOWNLOADED)
    assert event.changes == {"table": "decisions", "start": "2026-10-01", "end": "2026-10-31"}


def test_a_partners_page_says_it_is_limited(personas, client_for):
    html = client_for(personas.police_partner).get("/reports/performance/").content.decode()
    assert 'data-testid="partner-scope"' in html and "Testshire Police" in html


def test_a_bad_period_is_refused(personas, client_for):
    response = client_for(personas.manager).get("/reports/performance/", {**OCTOBER_QUERY, "end-year": "2025"})
    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in response.content.decode()


@given(st.text(max_size=20))
def test_no_csv_cell_starts_a_formula(value):
    safe = performance.csv_safe(value)
    assert not safe.startswith(performance.FORMULA_START)
    assert safe in (value, "'" + value)


def test_csv_cells_that_look_like_formulas_are_neutralised():
    assert [performance.csv_safe(v) for v in ["=1+1", "+44", "-3", "@SUM(A1)", "Police", 5]] == [
        "'=1+1", "'+44", "'-3", "'@SUM(A1)", "Police", 5]


def test_the_figures_cost_the_same_queries_whatever_the_number_of_contacts(personas, month,
                                                                          django_assert_num_queries):
    # The person's roles (read once, then kept on the user); per period: by source, by channel, repeats,
    # decisions, outcomes, referrals, ratings decided, response windows, returns, breaches, re-referrals
    # (11 x 2); the closure days (1).
    with time_machine.travel(at(20, 9, month=11), tick=False):
        with django_assert_num_queries(24):
            performance.figures(user=personas.manager, period=OCTOBER)
        contact_at(personas, at(20, 10), source="1A", channel="phone", decided=at(20, 11), outcome="nfa")
        contact_at(personas, at(21, 10), source="4", channel="letter")
        with django_assert_num_queries(23):
            performance.figures(user=personas.manager, period=OCTOBER)


def test_each_agencys_information_returns_on_time(personas):
    """An enquiry in October to police, health and education: health answers the next day (on time), police two
    weeks later (late), education not yet."""
    from enquiries import services as enquiry_services
    from enquiries.tests.helpers import open_enquiry, request_for, world

    with time_machine.travel(at(5, 9), tick=False):
        w = world(personas)
    with time_machine.travel(at(5, 10), tick=False):
        enquiry = open_enquiry(personas, w)
    answer = {"headings": ["Known"], "sections": {"Known": "Nothing further."}, "brag": "amber",
              "brag_rationale": "As known.", "submit": True}
    with time_machine.travel(at(6, 10), tick=False):
        enquiry_services.return_save(actor=personas.health_partner, request=request_for(enquiry, w.health), **answer)
    with time_machine.travel(at(19, 10), tick=False):
        enquiry_services.return_save(actor=personas.police_partner, request=request_for(enquiry, w.police), **answer)
    with time_machine.travel(at(20, 9, month=11), tick=False):
        manager = rows(performance.figures(user=personas.manager, period=OCTOBER))["returns"]
        police = rows(performance.figures(user=personas.police_partner, period=OCTOBER))["returns"]
    assert manager == [["Testshire Health", "1 of 1", "0 of 0"], ["Testshire Police", "0 of 1", "0 of 0"],
                       ["All agencies", "1 of 2", "0 of 0"]]
    assert police == [["Testshire Police", "0 of 1", "0 of 0"], ["All agencies", "0 of 1", "0 of 0"]]


def test_breaches_and_how_fast_they_were_acknowledged(personas):
    """Three Red contacts breach in October: one acknowledged in 20 minutes, one the next day, one not yet."""
    from mash import deadlines
    from mash.deadlines.services import escalation_acknowledge
    from mash.models import Escalation
    from mash.tests.helpers import clocked_contact

    contacts = [clocked_contact(personas.screener, started_at=at(day, 9)) for day in (5, 6, 7)]
    for contact in contacts:  # Red: 4 clock hours; swept at 14:00 the same day
        deadlines.sweep(now=contact.due_at + timezone.timedelta(minutes=47))
    breaches = [Escalation.objects.get(target_id=c.pk, kind="breach") for c in contacts]
    with time_machine.travel(breaches[0].raised_at + timezone.timedelta(minutes=20), tick=False):
        escalation_acknowledge(actor=personas.manager, escalation_id=breaches[0].pk, note="Seen to.")
    with time_machine.travel(breaches[1].raised_at + timezone.timedelta(days=1), tick=False):
        escalation_acknowledge(actor=personas.manager, escalation_id=breaches[1].pk, note="Seen to.")
    with time_machine.travel(at(20, 9, month=11), tick=False):
        tables = rows(performance.figures(user=personas.manager, period=OCTOBER))
        partner = rows(performance.figures(user=personas.police_partner, period=OCTOBER))
    assert tables["breaches"] == [["Breaches", 3, 0], ["Acknowledged within 1 hour", 1, 0],
                                  ["Acknowledged later", 1, 0], ["Not acknowledged yet", 1, 0]]
    assert "breaches" not in partner


def test_a_child_referred_again_within_12_months_is_a_re_referral(personas):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    first = contact_at(personas, at(5, 10), source="6", channel="police_notification", decided=at(5, 11),
                       outcome="strategy_s47", team=team)
    child = first.subjects.get().person
    with time_machine.travel(at(19, 10), tick=False):
        again = contact_create(actor=personas.screener, received_at=at(19, 9), channel="phone", referrer_name="GP",
                               referral_source="3A", concern="Again.", consent_answer="given",
                               children=[SubjectInput(first_name=child.first_name, last_name=child.last_name,
                                                      person_id=child.pk)])
    with time_machine.travel(at(19, 11), tick=False):
        screen_and_rate(personas, again)
        contact_services.outcome_decide(actor=personas.manager, contact=again, kind="s17_assessment",
                                        rationale="r", summary="s", receiving_team=team)
    with time_machine.travel(at(20, 9, month=11), tick=False):
        conversion = rows(performance.figures(user=personas.manager, period=OCTOBER))["conversion"]
    assert conversion[1] == ["Became referrals", 2, 0]
    assert conversion[-1] == ["Re-referrals (a child referred in the 12 months before)", 1, 0]
