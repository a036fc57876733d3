"""The national returns made in the background: one job per form however often it is sent, progress as the rows
are written, a page that polls only while there is something to wait for, and a manager's download that is audited
and, when the file leaves the MASH, a disclosure of every child in it (consent's ledger).

The worker's part is called here as the task calls it (reports.exports.export_run); tests/test_export_processes.py
runs it in a real Celery worker."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from agencies.models import Team, User
from consent.models import Disclosure
from contacts.models import ContactSubject
from mash.access import Role
from mash.models import AuditEvent
from reports import annex_a, exports, services
from reports.actions import ReportAction
from reports.models import ExportJob, ExportState

from .helpers import contact_to_outcome, export_made, period_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"
    return settings.EXPORTS_DIR


@pytest.fixture
def team(personas):
    return Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)


@pytest.fixture
def period():
    today = timezone.localdate()
    return period_data(today - timedelta(days=30), today)


def test_the_same_form_sent_twice_starts_one_export(personas, client_for, period,
                                                    django_capture_on_commit_callbacks):
    client = client_for(personas.manager)
    with django_capture_on_commit_callbacks() as sent:
        first = client.post("/reports/annex-a/", {"request_key": "once", **period})
        again = client.post("/reports/annex-a/", {"request_key": "once", **period})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert ExportJob.objects.count() == 1 and len(sent) == 1  # one message for the worker
    # A fresh form for the same return while it is still being made finds it too.
    with django_capture_on_commit_callbacks() as sent:
        other = client.post("/reports/annex-a/", {"request_key": "another", **period})
    assert other["Location"] == first["Location"] and not sent
    assert AuditEvent.objects.filter(action=ReportAction.EXPORT_STARTED).count() == 1


def test_a_form_without_its_key_is_refused(personas, client_for, period):
    response = client_for(personas.manager).post("/reports/annex-a/", period)
    assert response.status_code == 400
    assert services.KEY_MISSING in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_worker_tells_the_job_its_progress_as_it_writes(personas, team, monkeypatch):
    monkeypatch.setattr(annex_a, "CHUNK", 2)
    for _ in range(3):
        contact_to_outcome(personas, kind="s17_assessment", team=team, children=2)
    today = timezone.localdate()
    job = ExportJob.objects.create(kind="annex_a", requested_by=personas.manager, request_key="k",
                                   parameters={"start": (today - timedelta(days=1)).isoformat(),
                                               "end": today.isoformat()})
    seen = []
    real = exports._progress

    def watching(job_id):
        tell = real(job_id)

        def told(rows):
            tell(rows)
            seen.append(ExportJob.objects.values_list("state", "rows_done", "rows_total").get(pk=job_id))
        return told

    monkeypatch.setattr(exports, "_progress", watching)
    assert exports.export_run(job.pk) == ExportState.DONE
    # Six children on contacts (List 1) and six referrals (List 3): twelve rows, told every two.
    assert seen == [("running", n, 12) for n in (2, 4, 6, 8, 10, 12)]
    job.refresh_from_db()
    assert (job.state, job.rows_done, job.rows_total, job.percent) == ("done", 12, 12, 100)
    assert job.counts == {"list1": 6, "list3": 6}
    assert exports.file_path(job).stat().st_size == job.file_size > 0
    assert not list(exports.exports_dir().glob("*.part"))
    # A second message for the same job (a redelivery) finds it made and does nothing.
    assert exports.export_run(job.pk) == ""


def test_the_page_polls_while_the_file_is_made_and_stops_when_it_is_ready(personas, client_for, period, team):
    contact_to_outcome(personas, kind="s17_assessment", team=team)
    client = client_for(personas.manager)
    job_url = client.post("/reports/annex-a/", {"request_key": "k", **period})["Location"]
    page = client.get(job_url).content.decode()
    assert "Waiting for a worker to start it" in page and 'hx-trigger="every 2s"' in page
    # Without JavaScript nothing refreshes: the page says so, and the note about refreshing is hidden until it runs.
    assert "<noscript><p class=\"govuk-body\"><a class=\"govuk-link\"" in page and "data-refresh-note hidden" in page
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(state="running", rows_total=8, rows_done=2)
    region = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert region.lstrip().startswith("{#") is False and "<html" not in region
    assert "2 of 8 rows written" in region and 'value="25"' in region and "hx-trigger" in region
    ExportJob.objects.filter(pk=job.pk).update(state="queued", rows_total=0, rows_done=0)
    exports.export_run(job.pk)
    region = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "The file is ready" in region and "hx-trigger" not in region
    assert "It leaves the MASH: it is for Ofsted" in region


def test_a_file_for_ofsted_is_a_disclosure_of_every_child_in_it(personas, client_for, period, team):
    first = contact_to_outcome(personas, kind="s17_assessment", team=team, children=2)
    second = contact_to_outcome(personas, kind="strategy_s47", team=team)
    client = client_for(personas.manager)
    job = export_made(client, "/reports/annex-a/", period)
    response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "outside"})
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == exports.file_path(job).read_bytes()
    disclosures = Disclosure.objects.filter(basis_kind="statutory_return")
    assert {d.contact_id for d in disclosures} == {first.pk, second.pk}
    for disclosure in disclosures:
        children = set(ContactSubject.objects.filter(contact=disclosure.contact).values_list("person", flat=True))
        assert set(disclosure.about.values_list("pk", flat=True)) == children
        assert disclosure.to_person == services.RECIPIENTS["annex_a"]
        assert disclosure.disclosed_by == personas.manager
    assert disclosures.get(contact=first).about.count() == 2
    event = AuditEvent.objects.get(action=ReportAction.ANNEX_A_DOWNLOADED)
    assert event.changes["to"] == services.RECIPIENTS["annex_a"] and event.changes["disclosures"] == 2
    # Downloaded again to keep here: audited, no further disclosure.
    assert client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"}).status_code == 200
    assert disclosures.count() == 2
    assert AuditEvent.objects.filter(action=ReportAction.ANNEX_A_DOWNLOADED).count() == 2


@pytest.mark.parametrize("data, message", [({}, services.DESTINATION_MISSING),
                                           ({"destination": "the press"}, "Select a valid choice")])
def test_a_download_must_say_who_it_is_for(personas, client_for, period, team, data, message):
    contact_to_outcome(personas, kind="s17_assessment", team=team)
    client = client_for(personas.manager)
    job = export_made(client, "/reports/annex-a/", period)
    response = client.post(f"/reports/exports/{job.pk}/download/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Disclosure.objects.filter(basis_kind="statutory_return").exists()
    assert not AuditEvent.objects.filter(action=ReportAction.ANNEX_A_DOWNLOADED).exists()


def test_nothing_to_download_until_it_is_made(personas, client_for, period):
    client = client_for(personas.manager)
    job_url = client.post("/reports/annex-a/", {"request_key": "k", **period})["Location"]
    response = client.post(f"{job_url}download/", {"destination": "outside"})
    assert response.status_code == 400 and services.NOT_READY in response.content.decode()
    assert not Disclosure.objects.filter(basis_kind="statutory_return").exists()
    assert not AuditEvent.objects.filter(action=ReportAction.ANNEX_A_DOWNLOADED).exists()


def test_a_manager_sees_only_their_own_exports(personas, client_for, period):
    other = User.objects.create_user(username="manager2", password="x", agency=personas.social_care)
    other.groups.add(Group.objects.get(name=Role.MANAGER.value))
    job_url = client_for(personas.manager).post("/reports/annex-a/", {"request_key": "k", **period})["Location"]
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(job_url).status_code == 404
    assert stranger.post(f"{job_url}download/", {"destination": "mash"}).status_code == 404


def test_a_failed_export_says_so_and_a_lost_worker_is_taken_over(personas, client_for, period, monkeypatch,
                                                                   settings):
    client = client_for(personas.manager)
    job_url = client.post("/reports/annex-a/", {"request_key": "k", **period})["Location"]
    job = ExportJob.objects.get()

    def broken(target, period, *, progress=None):
        target.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(annex_a, "annex_a_write", broken)
    assert exports.export_run(job.pk) == ExportState.FAILED
    job.refresh_from_db()
    assert job.error == "OSError: disk full" and job.finished_at is not None
    assert not list(exports.exports_dir().iterdir())  # the partial file went
    assert "The file could not be made" in client.get(job_url).content.decode()
    # A job left running by a worker that died: no heartbeat for EXPORT_STALE_SECONDS, the next message takes it.
    monkeypatch.undo()
    settings.EXPORTS_DIR = exports.exports_dir()
    stale = timezone.now() - timedelta(seconds=settings.EXPORT_STALE_SECONDS + 1)
    ExportJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now(), error="")
    assert exports.export_run(job.pk) == ""  # still alive: not taken
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)
    assert exports.export_run(job.pk) == ExportState.DONE


def test_old_files_are_deleted(personas, client_for, period, team):
    contact_to_outcome(personas, kind="s17_assessment", team=team)
    client = client_for(personas.manager)
    job = export_made(client, "/reports/annex-a/", period)
    path = exports.file_path(job)
    assert exports.exports_purge() == 0 and path.exists()
    assert exports.exports_purge(now=timezone.now() + timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.state == "expired" and not path.exists()
    assert "This file has been deleted" in client.get(f"/reports/exports/{job.pk}/").content.decode()
    response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"})
    assert response.status_code == 400 and services.FILE_GONE in response.content.decode()


def test_the_disclosure_is_on_each_childs_subject_access_export(personas, client_for, period, team, monkeypatch):
    from consent import services as consent_services
    from consent.subject_access import what_was_shared

    monkeypatch.setattr(consent_services, "DISCLOSURE_BATCH", 1)  # a batch a contact: none is split across two
    contacts = [contact_to_outcome(personas, kind="s17_assessment", team=team, children=3) for _ in range(3)]
    client = client_for(personas.manager)
    job = export_made(client, "/reports/annex-a/", period)
    assert client.post(f"/reports/exports/{job.pk}/download/", {"destination": "outside"}).status_code == 200
    disclosures = Disclosure.objects.filter(basis_kind="statutory_return")
    assert disclosures.count() == 3 and all(d.about.count() == 3 for d in disclosures)
    child = contacts[1].subjects.first().person
    shared = what_was_shared(child, user=personas.manager, redact=False)["disclosures"]
    ours = [d for d in shared if d["to"] == services.RECIPIENTS["annex_a"]]
    assert len(ours) == 1, shared
    assert ours[0]["contact"] == contacts[1].reference and ours[0]["basis"].startswith("A statutory return")
    event = AuditEvent.objects.get(action="disclosure.recorded", changes__basis="statutory_return")
    assert event.changes["contacts"] == 3


def test_a_lost_message_or_worker_is_sent_again(personas, monkeypatch, settings):
    sent = []
    monkeypatch.setattr(services, "send_export", sent.append)
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EXPORT_STALE_SECONDS + 1)

    def job(key, **columns):
        made = ExportJob.objects.create(kind="annex_a", requested_by=personas.manager, request_key=key,
                                        parameters={"start": "2026-01-01", "end": "2026-01-31"})
        ExportJob.objects.filter(pk=made.pk).update(**columns)
        return made.pk

    lost_message = job("a", requested_at=stale)
    lost_worker = job("b", state="running", heartbeat_at=stale)
    job("c")  # just asked for
    job("d", state="running", heartbeat_at=now)  # being made
    job("e", state="failed", requested_at=stale, finished_at=stale)
    assert sorted(exports.exports_resend(now)) == sorted(sent) == sorted([lost_message, lost_worker])
