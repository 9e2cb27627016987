"""The OpenAPI document, built from the route table so it cannot drift from it."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool"]},
        "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}]},
    },
}
CHAT_REQUEST = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "description": "a route name of the app, or the app name"},
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/components/schemas/Message"},
        },
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "temperature": {"type": "number"},
        "top_p": {"type": "number"},
        "max_tokens": {"type": "integer"},
        "max_completion_tokens": {"type": "integer"},
        "stop": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "user": {"type": "string"},
    },
}
CHAT_RESPONSE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "chat.completion"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object"}},
        "usage": {"type": "object"},
        "stanchion": {
            "type": "object",
            "description": "trace_id, decision, citations, findings",
            "properties": {
                "trace_id": {"type": "string"},
                "decision": {"type": "string"},
                "citations": {"type": "array", "items": {"type": "object"}},
                "findings": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
}
BODIES = {"/v1/chat/completions": "ChatCompletionRequest"}
RESPONSES = {"/v1/chat/completions": "ChatCompletion"}
STATUSES = {
    "400": "invalid request",
    "401": "missing or bad key",
    "403": "not permitted",
    "404": "not found",
    "413": "body too large",
    "422": "wrong types",
    "429": "rate or budget limit",
    "500": "server error",
    "502": "upstream failed",
    "504": "upstream timed out",
}


def _operation(route: Route, method: str) -> dict[str, Any]:
    endpoint = route.endpoint
    permission = getattr(endpoint, "permission", "public")
    doc = (endpoint.__doc__ or route.name or "").strip().splitlines()
    op: dict[str, Any] = {
        "operationId": f"{method}_{route.name}",
        "summary": doc[0] if doc else route.path,
        "x-permission": permission,
        "responses": {"200": {"description": "OK"}},
    }
    if route.path in RESPONSES:
        op["responses"]["200"]["content"] = {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{RESPONSES[route.path]}"}
            },
            "text/event-stream": {"schema": {"type": "string"}},
        }
    if route.path in BODIES:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{BODIES[route.path]}"}
                }
            },
        }
    if permission != "public":
        op["security"] = [{"bearer": []}]
        for code, text in STATUSES.items():
            op["responses"][code] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return op


def openapi_document(routes: list[Route], version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, method.lower())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "stanchion",
            "version": version,
            "description": "OpenAI-compatible gateway with guards, grounding and audit.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "Message": MESSAGE,
                "ChatCompletionRequest": CHAT_REQUEST,
                "ChatCompletion": CHAT_RESPONSE,
            },
        },
    }
