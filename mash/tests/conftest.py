import pytest

from mash import deadlines


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Closure days are cached per process; a rolled-back test must not leave its closures behind."""
    deadlines.calendar_clear()
    yield
    deadlines.calendar_clear()
