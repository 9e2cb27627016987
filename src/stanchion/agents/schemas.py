"""JSON Schema for tool arguments and structured answers, compiled safely and cached.

Schemas come from callers (``tools[].function.parameters``, ``response_format``) so they are
hostile input: nothing is fetched (``$ref`` to a URL fails), patterns use the linear-time
regex engine (no catastrophic backtracking), and a compiled validator is kept per schema::

    problem = schema_problem({"type": "object", "required": ["a"]})   # None: it compiles
    check({"type": "object", "required": ["a"]}, '{"b": 1}')
    # '$: fails `required`'
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

import jsonschema_rs
import orjson

CACHE_SIZE = 512
_MAX_MESSAGE = 300


class _Cache:
    def __init__(self) -> None:
        self.items: OrderedDict[bytes, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, schema: dict[str, Any]) -> Any:
        key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        made = jsonschema_rs.validator_for(
            schema,
            offline=True,
            pattern_options=jsonschema_rs.RegexOptions(size_limit=1 << 20),
            validate_formats=True,
        )
        with self.lock:
            self.items[key] = made
            while len(self.items) > CACHE_SIZE:
                self.items.popitem(last=False)
        return made


_CACHE = _Cache()


def _first_line(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:_MAX_MESSAGE]


def schema_problem(schema: Any) -> str | None:
    """Why ``schema`` cannot be used (None when it compiles)."""
    if not isinstance(schema, dict):
        return "must be a JSON Schema object"
    try:
        _CACHE.get(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        return _first_line(exc)
    return None


def check(schema: dict[str, Any], text: str) -> str | None:
    """Why the JSON ``text`` does not match ``schema`` (None when it does)."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return "$: not JSON"
    return check_value(schema, value)


def check_value(schema: dict[str, Any], value: Any) -> str | None:
    try:
        validator = _CACHE.get(schema)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        return f"the schema cannot be used: {_first_line(exc)}"
    for err in validator.iter_errors(value):
        # The value itself is never quoted: it may be what a redaction took out.
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.instance_path)
        keyword = str(err.schema_path[-1]) if err.schema_path else "schema"
        return f"${path[:200]}: fails `{keyword[:64]}`"
    return None
