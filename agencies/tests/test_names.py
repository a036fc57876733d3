"""The staff a page names, from the cache (agencies.names): no join and no query once cached, a new name at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import names
from agencies.models import User

pytestmark = pytest.mark.django_db


def test_a_named_user_is_read_once_then_from_the_cache_and_forgotten_when_saved(
        personas, django_capture_on_commit_callbacks):
    manager = personas.manager
    with CaptureQueriesContext(connection) as first:
        assert str(names.users_by_id([manager.pk, None])[manager.pk]) == str(manager)
    with CaptureQueriesContext(connection) as again:
        assert str(names.users_by_id([manager.pk])[manager.pk]) == str(manager)
    assert len(first.captured_queries) == 1 and len(again.captured_queries) == 0
    with django_capture_on_commit_callbacks(execute=True):
        renamed = User.objects.get(pk=manager.pk)
        renamed.first_name = "Morgan"
        renamed.save()
    assert names.users_by_id([manager.pk])[manager.pk].first_name == "Morgan"


def test_rows_get_their_users_as_if_selected_with_them_and_saving_one_keeps_the_rest(personas):
    class Row:
        def __init__(self, recorded_by_id, decided_by_id):
            from django.db.models.base import ModelState

            self._state = ModelState()
            self.recorded_by_id, self.decided_by_id = recorded_by_id, decided_by_id

    rows = [Row(personas.manager.pk, None), Row(personas.screener.pk, personas.manager.pk)]
    names.name_users(rows, ("recorded_by", "decided_by"))
    assert rows[0]._state.fields_cache == {"recorded_by": names.users_by_id([personas.manager.pk])[personas.manager.pk],
                                           "decided_by": None}
    user = rows[1]._state.fields_cache["recorded_by"]
    assert (user.pk, str(user)) == (personas.screener.pk, str(personas.screener))
    # The user is the row as only() reads it: another field is read when asked for, and a save writes only its own.
    assert user.email == personas.screener.email
    user.first_name = "Samira"
    user.save()
    again = User.objects.get(pk=personas.screener.pk)
    assert again.first_name == "Samira" and again.password == personas.screener.password
