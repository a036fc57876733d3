"""Named locks held until the end of the current transaction: one import (or any job) of a name at a time.

Call ``named_lock(name)`` inside ``transaction.atomic()``, first thing: a second transaction asking for the same
name waits until the first commits or rolls back, then goes on. Different names never wait for each other.

- **PostgreSQL**: ``pg_advisory_xact_lock`` on a 64-bit key derived from the name by BLAKE2b (``lock_key``), the
  same in every process and every release (Python's ``hash()`` of a string changes from process to process).
  Nothing is written.
- **SQLite** (``make run``'s database): an upsert of the name's ``mash.NamedLock`` row. The write takes the
  database's write lock, which SQLite holds to the end of the transaction, so the second transaction waits (for
  the connection's busy timeout, 20 s in settings). SQLite has one write lock for the whole database, so on it
  every name waits for every other; that is as coarse as SQLite is, and fine for one machine's demo. (Settings
  open SQLite's transactions IMMEDIATE: each takes the write lock as it begins, so none fails with "database is
  locked" for having read first.)
"""

import hashlib

from django.db import connection, transaction
from django.utils import timezone


def lock_key(name: str) -> int:
    """The advisory lock key for `name`: a signed 64-bit integer (PostgreSQL's bigint), stable across processes."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def named_lock(name: str) -> None:
    """Hold the lock `name` until the current transaction ends, waiting for whoever holds it now."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(f"named_lock({name!r}) must be called inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
    else:
        from mash.models import NamedLock

        # One statement (INSERT ... ON CONFLICT DO UPDATE): no read first, so SQLite waits for its write lock.
        NamedLock.objects.bulk_create([NamedLock(name=name, taken_at=timezone.now())],
                                      update_conflicts=True, unique_fields=["name"], update_fields=["taken_at"])
