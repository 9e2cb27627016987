"""One error tree, rendered once as OpenAI's error JSON.

StanchionError
├── SpecError            the app spec is invalid (file, line, field)
├── StoreError           the database is missing, old or unreachable
│   └── SpoolFull        the local trace spool reached its size limit
├── CryptoError          no key, or content that does not decrypt
└── ApiError             anything a request can fail with; carries HTTP status
    ├── BadRequest (400)       ├── NotFound (404)        ├── RateLimited (429)
    ├── Unauthorized (401)     ├── PayloadTooLarge (413) ├── UpstreamError (502)
    ├── Forbidden (403)        ├── Unprocessable (422)   ├── UpstreamTimeout (504)
    ├── RequestTimeout (408)   ├── InternalError (500)
    ├── UnsupportedMediaType (415)
    │                          └── ServiceUnavailable (503)
"""

from __future__ import annotations


class StanchionError(Exception):
    """Root of every error stanchion raises."""


class SpecError(StanchionError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


class StoreError(StanchionError):
    pass


class SpoolFull(StoreError):
    pass


class CryptoError(StanchionError):
    pass


class ApiError(StanchionError):
    status = 500
    type = "server_error"
    code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.param = param
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class BadRequest(ApiError):
    status, type, code = 400, "invalid_request_error", "invalid_request"


class Unauthorized(ApiError):
    status, type, code = 401, "authentication_error", "invalid_api_key"


class Forbidden(ApiError):
    status, type, code = 403, "permission_error", "insufficient_permissions"


class NotFound(ApiError):
    status, type, code = 404, "invalid_request_error", "not_found"


class RequestTimeout(ApiError):
    status, type, code = 408, "invalid_request_error", "request_timeout"


class PayloadTooLarge(ApiError):
    status, type, code = 413, "invalid_request_error", "request_too_large"


class UnsupportedMediaType(ApiError):
    status, type, code = 415, "invalid_request_error", "unsupported_media_type"


class Unprocessable(ApiError):
    status, type, code = 422, "invalid_request_error", "unprocessable"


class RateLimited(ApiError):
    status, type, code = 429, "rate_limit_error", "rate_limit_exceeded"


class InternalError(ApiError):
    status, type, code = 500, "server_error", "internal_error"


class UpstreamError(ApiError):
    status, type, code = 502, "upstream_error", "bad_gateway"


class UpstreamTimeout(ApiError):
    status, type, code = 504, "upstream_error", "upstream_timeout"


class ServiceUnavailable(ApiError):
    status, type, code = 503, "server_error", "service_unavailable"
