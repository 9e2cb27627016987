"""Leases: exactly one replica evaluates the alert rules at a time.

A lease is held for ``ttl`` seconds and renewed by its holder on every round; another
replica takes it only once it has expired (its holder died or hung). In the store it is a
row changed by one conditional UPDATE (atomic on SQLite and PostgreSQL); in Redis a key set
with NX and renewed by a script that checks the holder.

    lease = StoreLease(store)
    if lease.acquire("alerts:demo", me, ttl=120, now=time.time()): evaluate()
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from stanchion.alerts.schema import monitor_leases
from stanchion.store.db import Store


class Lease(Protocol):
    def acquire(self, name: str, holder: str, ttl: float, now: float) -> bool: ...

    def release(self, name: str, holder: str) -> None: ...


class StoreLease:
    def __init__(self, store: Store) -> None:
        self.store = store

    def acquire(self, name: str, holder: str, ttl: float, now: float) -> bool:
        t = monitor_leases.c
        with self.store.engine.begin() as conn:
            took = conn.execute(
                update(monitor_leases)
                .where(t.name == name, or_(t.holder == holder, t.expires_at < now))
                .values(holder=holder, expires_at=now + ttl)
            ).rowcount
        if took:
            return True
        try:
            with self.store.engine.begin() as conn:
                conn.execute(
                    monitor_leases.insert().values(name=name, holder=holder, expires_at=now + ttl)
                )
        except IntegrityError:
            return False  # held by someone else, and not expired
        return True

    def release(self, name: str, holder: str) -> None:
        t = monitor_leases.c
        with self.store.engine.begin() as conn:
            conn.execute(
                update(monitor_leases)
                .where(t.name == name, t.holder == holder)
                .values(expires_at=0.0)
            )


RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLease:
    """The lease as a Redis key (``stanchion:lease:<name>``); time is Redis's own."""

    def __init__(self, url: str) -> None:
        import redis

        self.client: Any = redis.Redis.from_url(url, socket_timeout=5)
        self._renew = self.client.register_script(RENEW)
        self._release = self.client.register_script(RELEASE)

    def acquire(self, name: str, holder: str, ttl: float, now: float) -> bool:
        ms = max(int(ttl * 1000), 1)
        return bool(self._renew(keys=[f"stanchion:lease:{name}"], args=[holder, ms]))

    def release(self, name: str, holder: str) -> None:
        self._release(keys=[f"stanchion:lease:{name}"], args=[holder])

    def close(self) -> None:
        self.client.close()
