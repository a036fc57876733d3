"""The national returns made by a real Celery worker against PostgreSQL and Redis: a manager starts an Annex A
export and a census file through their forms (the job is sent to the worker once it has committed), the worker
writes them with progress, and the manager downloads them."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from agencies.models import Team
from reports.models import ExportJob
from reports.tests.helpers import contact_to_outcome, period_data

from .export_worker import export_worker, wait_for_job

pytestmark = [
    pytest.mark.processes,
    pytest.mark.xdist_group("processes"),
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_makes_the_returns_a_manager_asked_for(personas, client_for, settings, tmp_path):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    for _ in range(3):
        contact_to_outcome(personas, kind="s17_assessment", team=team, children=2)
    client = client_for(personas.manager)
    today = timezone.localdate()
    with export_worker(settings, tmp_path) as worker:
        response = client.post("/reports/annex-a/", {"request_key": "k", **period_data(today - timedelta(days=7),
                                                                                        today)})
        job = ExportJob.objects.get()
        assert response["Location"] == f"/reports/exports/{job.pk}/"
        wait_for_job(job, 60, worker)
        assert job.state == "done", job.error
        assert (job.rows_done, job.rows_total, job.counts) == (12, 12, {"list1": 6, "list3": 6})
        assert "The file is ready" in client.get(response["Location"]).content.decode()
        download = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "outside"})
        book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
        assert book["List 1"].max_row == 7 and book["List 3"].max_row == 7

        year = today.year + 1 if (today.month, today.day) > (3, 31) else today.year
        census = client.post("/reports/cin-census/", {"request_key": "k2", "year": year})
        job = ExportJob.objects.get(pk=int(census["Location"].rstrip("/").split("/")[-1]))
        wait_for_job(job, 60, worker)
        assert job.state == "done" and job.counts == {"children": 6, "referrals": 6}, job.error
        download = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"})
        assert len(etree.fromstring(b"".join(download.streaming_content)).findall("Children/Child")) == 6
