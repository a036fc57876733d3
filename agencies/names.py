"""Who did it, by name, without a join: the staff a page names beside what they recorded ("Recorded by", "Decided
by"), from the cache.

A busy panel names three or four users; joining each of their rows into the query that reads the records cost the
contact page as much as the records themselves (consent.selectors). Here each user's name is cached under their id
(`name_users`): one cache round trip for all the users a page names, one query for those not cached. A user's entry
is forgotten when the user is saved or deleted (`forget_user`, connected in AgenciesConfig.ready: now and again once
the change commits) and after NAMES_CACHE_SECONDS in any case (a bulk update sends no signal).

The users put on the rows are the user's row as `only("username", "first_name", "last_name")` would read it: any
other field is read from the database when asked for, and saving one saves only what it holds.
"""

from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction

from .models import User

NAMES_CACHE_SECONDS = 300
FIELDS = ("id", "username", "first_name", "last_name")


def _key(pk: int) -> str:
    # Per database: processes (and test workers) sharing one cache but not one database never mix their users.
    return f"agencies.user_name.v1:{connection.settings_dict['NAME']}:{pk}"


def users_by_id(ids: Iterable[int]) -> dict[int, User]:
    """The users with these ids (their names only, as above). One cache round trip; one query for those not cached."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    keys = {_key(pk): pk for pk in wanted}
    found = {keys[key]: values for key, values in cache.get_many(list(keys)).items()}
    missing = wanted - set(found)
    if missing:
        read = {row[0]: row for row in User.objects.filter(pk__in=missing).values_list(*FIELDS)}
        cache.set_many({_key(pk): row for pk, row in read.items()}, NAMES_CACHE_SECONDS)
        found.update(read)
    return {pk: User.from_db(User.objects.db, list(FIELDS), list(row)) for pk, row in found.items()}


def name_users(rows: Iterable, fields: Iterable[str]) -> None:
    """Put the users that `rows` name in their foreign keys `fields` ("recorded_by", ...) on the rows, as if read
    with select_related: `row.recorded_by` then costs no query."""
    rows, fields = list(rows), list(fields)
    users = users_by_id(getattr(row, f"{name}_id") for row in rows for name in fields)
    for row in rows:
        for name in fields:
            pk = getattr(row, f"{name}_id")
            if pk is None or pk in users:  # one not found (none should be: users are kept) is read when asked for
                row._state.fields_cache[name] = users.get(pk)


def forget_user(sender, instance, **kwargs) -> None:
    """A user was saved or deleted: their cached name is dropped now and again once the change commits (a page drawn
    in between, from what was committed before, cannot keep the old name)."""
    key = _key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)
