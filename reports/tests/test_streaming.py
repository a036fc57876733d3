"""Annex A streams: the workbook's rows go to a temporary file as they are read in chunks, so the memory the export
needs does not grow with the number of contacts (a small version of the 1M benchmark)."""

import tempfile
import tracemalloc

import pytest
from django.core.management import call_command
from django.utils import timezone

from contacts.models import ContactSubject
from reports import annex_a

pytestmark = pytest.mark.django_db(transaction=True)


def peak_bytes(period) -> tuple[int, int]:
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        written = annex_a.annex_a_write(target, period)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, written.list1


def test_memory_does_not_grow_with_the_rows(personas, monkeypatch, settings):
    settings.BENCH_MODE = True  # seed_bench, into the test database
    # The peak is about one chunk of rows from the database cursor: chunks of 100 here, so both sizes span many.
    monkeypatch.setattr(annex_a, "CHUNK", 100)
    today = timezone.localdate()
    period = annex_a.Period(today.replace(year=today.year - 2), today)
    call_command("seed_bench", contacts=400, reset=True, seed=3)
    small, small_rows = peak_bytes(period)
    call_command("seed_bench", contacts=4000, reset=True, seed=3)
    large, large_rows = peak_bytes(period)
    assert large_rows > 8 * small_rows > 0, (small_rows, large_rows)
    assert ContactSubject.objects.count() >= large_rows
    # Ten times the rows: the peak may wobble (chunks, caches), never grow with them.
    print(f"annex A peak: {small} B for {small_rows} rows, {large} B for {large_rows} rows")
    assert large < 1.5 * small, (small, large)
