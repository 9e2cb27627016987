"""Response caches: exact (the same rendered prompt) and near-duplicate (the same question
after normalisation, over the same sources), in process by default, in Redis at scale.

A cached answer is keyed by everything that could change it: the route version, the
prompt version, the passages retrieved (document id and version), the knowledge and
registry generations and, by policy, the user. A changed document, an approval, a
retirement or a label move therefore changes the key: nothing is served across them.
"""

from stanchion.cache.backends import CacheBackend, LocalCache, RedisCache, build_backend
from stanchion.cache.keys import normalise
from stanchion.cache.responses import ResponseCache, build_cache

__all__ = [
    "CacheBackend",
    "LocalCache",
    "RedisCache",
    "ResponseCache",
    "build_backend",
    "build_cache",
    "normalise",
]
