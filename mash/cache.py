"""Django's Redis cache, with one redis-py client kept for each connection pool.

Django's RedisCacheClient makes a new `redis.Redis` for every cache operation; each builds its table of ~170
response callbacks, which cost a page read from the cache (the session, the user, a kept part: four reads) about
as much as the reads themselves. A client is safe to share (it takes a connection from its pool for each command),
so one is made for each pool and kept."""

from django.core.cache.backends import redis


class ReusedClientRedisCacheClient(redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
