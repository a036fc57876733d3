"""Sessions read from the cache, kept in the database (Django's cached_db), each cached copy carrying when its
session ends.

Django's cached_db trusts the cache's own expiry for that: right on a real clock, but the cached copy then
outlives its session whenever the cache's clock and the application's disagree (a test travelling in time, a
session given a shorter life after it was cached). Here a cached copy past its end is not used: the database is
asked, and it keeps the idle timeout (mash.session_timeout) exactly. Used only with a cache every process shares
(settings: with REDIS_URL): a session ended in one process is gone for all of them at once.
"""

import logging
import time

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDbStore):
    cache_key_prefix = "mash.session:"

    def load(self):
        try:
            found = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 (as Django's: an invalid key for the backend reads as no session)
            found = None
        if found is not None:
            ends, data = found
            if time.time() < ends:
                return data
        stored = self._get_session_from_db()  # only a session not yet expired
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, stored.expire_date.timestamp(), self.get_expiry_age(expiry=stored.expire_date))
        return data

    def save(self, must_create=False):
        super(CachedDbStore, self).save(must_create)
        self._cache_set(self._session, self.get_expiry_date().timestamp(), self.get_expiry_age())

    def _cache_set(self, data, ends: float, seconds: int) -> None:
        try:
            self._cache.set(self.cache_key, (ends, data), seconds)
        except Exception:  # noqa: BLE001 (as Django's: the database still has it)
            logger.exception("Error saving to cache (%s)", self._cache)

    async def aload(self):  # not used (the app is served by WSGI): the synchronous path, kept consistent
        raise NotImplementedError("mash.sessions is synchronous")

    async def asave(self, must_create=False):
        raise NotImplementedError("mash.sessions is synchronous")
