"""mash.locks.named_lock on PostgreSQL: two transactions (two threads, two connections) taking one name run one
after the other; different names do not wait. The SQLite path is checked by tests/test_import_sqlite.py."""

import threading
import time

import pytest
from django.db import connection, transaction

from mash.locks import lock_key, named_lock
from mash.models import NamedLock

pytestmark = pytest.mark.django_db(transaction=True)


def hold_and_try(first_name: str, second_name: str, hold_seconds: float = 1.0) -> list[str]:
    """A first transaction takes `first_name` and holds it `hold_seconds`; meanwhile a second takes `second_name`.
    Returns what happened, in order."""
    events, errors = [], []
    first_holds = threading.Event()

    def first():
        try:
            with transaction.atomic():
                named_lock(first_name)
                events.append("first locked")
                first_holds.set()
                time.sleep(hold_seconds)
                events.append("first commits")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            first_holds.set()
            connection.close()

    def second():
        try:
            first_holds.wait(timeout=10)
            with transaction.atomic():
                named_lock(second_name)
                events.append("second locked")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return events


def test_the_same_name_waits_for_the_first_transaction_to_end():
    assert hold_and_try("import", "import") == ["first locked", "first commits", "second locked"]


def test_another_name_does_not_wait():
    assert hold_and_try("import", "something else") == ["first locked", "second locked", "first commits"]


def test_postgresql_writes_no_row():
    with transaction.atomic():
        named_lock("import")
    assert not NamedLock.objects.exists()


def test_outside_a_transaction_is_refused():
    with pytest.raises(transaction.TransactionManagementError, match="inside a transaction"):
        named_lock("import")


def test_the_key_is_stable_and_a_bigint():
    # The same in every process (not Python's per-process hash()), so two workers agree on it.
    assert lock_key("contacts.notifications_import") == lock_key("contacts.notifications_import")
    assert lock_key("contacts.notifications_import") == -4280524737649575437
    assert lock_key("a") != lock_key("b")
    assert all(-(2**63) <= lock_key(name) < 2**63 for name in ("", "a", "x" * 1000, "é"))
