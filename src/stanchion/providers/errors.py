"""What a provider raises; the router turns it into an ``ApiError`` at the edge."""

from __future__ import annotations

import email.utils
import time

RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


class ProviderError(Exception):
    """An upstream failure: HTTP status (0 for connection errors, -1 for timeouts)."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE or self.status <= 0


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
