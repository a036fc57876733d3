"""The performance figures for a hand-built month: every number in every table, the CSV of a table, the data each
chart draws, and a partner's view limited to their own agency's contacts. The figures are read from the summaries
(reports.summaries), brought up to date after each step of the month as beat would."""

import csv
import io
import json
import re
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
from reports import performance, summaries
from reports.actions import ReportAction
from reports.annex_a import Period
from reports.models import DailyFigure

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
    unless `decided_brag`), and given `outcome` `outcome_after` hours after that. The summaries are refreshed after
    each step, as beat would (the first refresh builds every day; the later ones recompute the days changed)."""
    with time_machine.travel(received, tick=False):
        contact = contact_create(actor=personas.screener, received_at=received, channel=channel,
                                 referrer_name="R", referral_source=source, concern="A concern.",
                                 consent_answer="" if channel == "police_notification" else "given",
                                 children=[SubjectInput(first_name="Kid", last_name=f"N{source}{received:%d%H}",
                                                        date_of_birth=datetime(2018, 5, 5).date())])
        summaries.refresh()
    if decided is None:
        return contact
    with time_machine.travel(decided, tick=False):
        screen_and_rate(personas, contact, decided_brag=decided_brag)
        summaries.refresh()
    if outcome:
        with time_machine.travel(decided.replace(hour=decided.hour + outcome_after), tick=False):
            contact_services.outcome_decide(actor=personas.manager, contact=contact, kind=outcome, rationale="r",
                                            summary="s", receiving_team=team)
            summaries.refresh()
    return contact


@pytest.fixture
def month(personas):
    """October 2026 (no bank holidays): five contacts; and one in the month before."""
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    early_help = Team.objects.create(agency=personas.social_care, name="Early help hub", receives_outcomes=True)
    # September (the period before): police, on time, advice.
    contact_at(personas, at(15, 10, month=9), source="6", channel="police_notification",
               decided=at(15, 12, month=9), outcome="universal_advice")
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


def rows(tables):
    return {t.key: t.rows for t in tables}


def figures_on_20_november(user):
    """The tables as the person sees them on 20 November, after beat's refresh."""
    with time_machine.travel(at(20, 9, month=11), tick=False):
        summaries.refresh()
        return rows(performance.figures(user=user, period=OCTOBER))


def test_every_figure_of_the_month_for_a_manager(personas, month):
    tables = figures_on_20_november(personas.manager)
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
    tables = figures_on_20_november(personas.police_partner)
    health = figures_on_20_november(personas.health_partner)
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
    # Before beat's first refresh the page says the figures are not worked out yet, not that there were none.
    assert "The figures have not been worked out yet" in html


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
    # The person's roles (read once, then kept on the user) and one sum of the summaries for both periods.
    with time_machine.travel(at(20, 9, month=11), tick=False), django_assert_num_queries(2):
        performance.figures(user=personas.manager, period=OCTOBER)
    contact_at(personas, at(20, 10), source="1A", channel="phone", decided=at(20, 11), outcome="nfa")
    contact_at(personas, at(21, 10), source="4", channel="letter")
    with time_machine.travel(at(20, 9, month=11), tick=False):
        with django_assert_num_queries(1):
            tables = rows(performance.figures(user=personas.manager, period=OCTOBER))
        with django_assert_num_queries(2):  # the partner's roles, then the sum
            performance.figures(user=personas.police_partner, period=OCTOBER)
    assert tables["sources"][-1] == ["Total", 7, 1]


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
    manager = figures_on_20_november(personas.manager)["returns"]
    police = figures_on_20_november(personas.police_partner)["returns"]
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
    tables = figures_on_20_november(personas.manager)
    partner = figures_on_20_november(personas.police_partner)
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
    conversion = figures_on_20_november(personas.manager)["conversion"]
    assert conversion[1] == ["Became referrals", 2, 0]
    assert conversion[-1] == ["Re-referrals (a child referred in the 12 months before)", 1, 0]


THIS, BEFORE = "01/10/2026 to 31/10/2026", "31/08/2026 to 30/09/2026"


def chart(labels, this, before, unit="count"):
    return {"unit": unit, "labels": labels,
            "series": [{"name": THIS, "values": this}, {"name": BEFORE, "values": before}]}


def charts_on_the_page(html: str) -> dict:
    """What each chart on the page draws: the JSON the chart script reads (json_script), by table."""
    found = re.findall(r'<script id="chart-data-([a-z_]+)" type="application/json">(.*?)</script>', html, re.S)
    return {key: json.loads(data) for key, data in found}


def test_every_chart_draws_the_months_figures(personas, client_for, month):
    """The data each chart draws, as the page carries it, for the hand-built month: every bar of every chart."""
    with time_machine.travel(at(20, 9, month=11), tick=True):
        html = client_for(personas.manager).get("/reports/performance/", OCTOBER_QUERY).content.decode()
    charts = charts_on_the_page(html)
    assert charts == {
        "sources": chart(["2A Schools", "3B Health: health visitor", "6 Police"], [2, 1, 2], [0, 0, 1]),
        "channels": chart(["Phone call", "E-mail", "Police notification"], [2, 1, 2], [0, 0, 1]),
        "decisions": chart(["Decided within 1 working day", "Decided later", "Not decided yet"], [3, 1, 1],
                           [1, 0, 0]),
        "windows": chart(["Red", "Amber", "Green"], [0, 100, 100], [None, 100, None], unit="percent"),
        "ratings": chart(["Agreed", "Made more urgent (escalated)", "Made less urgent (de-escalated)"], [2, 1, 1],
                         [1, 0, 0]),
        "returns": chart([], [], [], unit="percent"),
        "breaches": chart(["Acknowledged within 1 hour", "Acknowledged later", "Not acknowledged yet"], [0, 0, 0],
                          [0, 0, 0]),
        "outcomes": chart(["Strategy discussion / section 47 enquiry", "Section 17 child-in-need assessment",
                           "Early help", "Universal services / advice", "No further action"], [1, 1, 1, 0, 1],
                          [0, 0, 0, 1, 0]),
        "conversion": chart(["Outcomes decided", "Became referrals",
                             "Repeat contacts received (3 or more in 12 months)",
                             "Re-referrals (a child referred in the 12 months before)"], [4, 2, 0, 0], [1, 0, 0, 0]),
    }
    # Each chart beside its table, an image whose label says what it draws (the table is the view without script).
    for key in charts:
        assert f'data-testid="chart-{key}" hidden' in html and f'data-testid="table-{key}"' in html
    assert 'aria-label="Bar chart of decisions within 1 working day. 01/10/2026 to 31/10/2026: Decided within 1 ' \
           'working day 3, Decided later 1, Not decided yet 1; 31/08/2026 to 30/09/2026: Decided within 1 working ' \
           'day 1, Decided later 0, Not decided yet 0."' in html
    assert 'Red 0%, Amber 100%, Green 100%; 31/08/2026 to 30/09/2026: Red none, Amber 100%, Green none.' in html


def test_a_partners_charts_draw_only_their_agencys_figures(personas, client_for, month):
    with time_machine.travel(at(20, 9, month=11), tick=True):
        html = client_for(personas.police_partner).get("/reports/performance/", OCTOBER_QUERY).content.decode()
    charts = charts_on_the_page(html)
    assert "breaches" not in charts
    assert charts["sources"] == chart(["6 Police"], [2], [1])
    assert charts["windows"] == chart(["Amber", "Green"], [100, 100], [100, None], unit="percent")
    assert charts["conversion"]["series"][0]["values"] == [2, 1, 0, 0]


def summary_rows():
    return sorted(DailyFigure.objects.values_list("day", "figure", "key", "source", "agency_id", "n"))


def test_the_refreshed_summaries_are_what_a_rebuild_makes(personas, month):
    """The month was summarised step by step as it happened (each refresh recomputing only the days changed since
    the one before); rebuilding every day from the work gives the same rows."""
    stepwise = summary_rows()
    assert len(stepwise) > 20
    with time_machine.travel(at(20, 9, month=11), tick=False):
        summaries.refresh_all()
    assert summary_rows() == stepwise


def test_a_refresh_recomputes_only_the_days_the_audited_work_changed(personas, month):
    """A decision on 23 October about a contact received on the 12th changes the 12th (its receipt) and the 23rd
    (the rating decided); looking at a contact changes nothing."""
    from contacts.models import Contact

    undecided = Contact.objects.get(referral_source="3B")
    with time_machine.travel(at(22, 9), tick=False):
        assert summaries.refresh() == 1  # the month's last step (15 October), read again within the overlap
        contact_services.contact_record_view(actor=personas.manager, contact=undecided)
        assert summaries.refresh() == 0
    with time_machine.travel(at(23, 9), tick=False):
        screen_and_rate(personas, undecided)
    with time_machine.travel(at(23, 9, 5), tick=False):
        assert summaries.refresh() == 2
    tables = figures_on_20_november(personas.manager)
    assert tables["decisions"][:3] == [["Decided within 1 working day", 3, 1], ["Decided later", 2, 0],
                                       ["Not decided yet", 0, 0]]
    assert tables["ratings"][0] == ["Agreed", 3, 1]


def test_the_page_says_when_the_figures_were_brought_up_to_date(personas, client_for, month):
    html = client_for(personas.manager).get("/reports/performance/", OCTOBER_QUERY).content.decode()
    assert re.search(r'data-testid="refreshed-at">Figures as of 15 October 2026, 12:00 ', html)


def test_beat_and_the_command_bring_the_summaries_up_to_date(personas, settings):
    """Beat's schedule names the refresh task; the task and `manage.py performance_refresh [--all]` run it."""
    from django.core.management import call_command

    from reports import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["refresh-performance"]
    assert entry["task"] == tasks.refresh_performance.name == "reports.tasks.refresh_performance"
    contact_at(personas, at(5, 10), source="6", channel="police_notification")  # its step refreshes, as beat would
    with time_machine.travel(at(6, 9), tick=False):
        contact_create(actor=personas.screener, received_at=at(6, 8), channel="phone", referrer_name="R",
                       referral_source="2A", concern="A concern.", consent_answer="given",
                       children=[SubjectInput(first_name="Kid", last_name="Later",
                                              date_of_birth=datetime(2018, 5, 5).date())])
        # The 6th (the new contact) and the 5th (yesterday's, read again within the overlap: never missed).
        assert tasks.refresh_performance() == 2
    assert figures_on_20_november(personas.manager)["sources"][-1] == ["Total", 2, 0]
    out = io.StringIO()
    with time_machine.travel(at(20, 10, month=11), tick=False):
        call_command("performance_refresh", all=True, stdout=out)
    assert "Rebuilt the performance figures" in out.getvalue()
    assert figures_on_20_november(personas.manager)["sources"][-1] == ["Total", 2, 0]
