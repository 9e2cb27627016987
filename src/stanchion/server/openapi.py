"""The OpenAPI document, built from the route table and the request models
(``server/schemas.py``), so it cannot drift from either: every path parameter, query
parameter, body and status a route answers with is declared here once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import Route

from stanchion.server import schemas, shapes

REF = "#/components/schemas/{model}"
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
CHAT_RESPONSE = {
    "type": "object",
    "required": ["id", "object", "created", "model", "choices"],
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
                "rollout": {
                    "type": "object",
                    "description": "during a rollout: the caller's cohort and the training",
                },
            },
        },
    },
}
OBJECT = {"type": "object"}
EMBEDDING_LIST = {
    "type": "object",
    "required": ["object", "data", "model", "usage"],
    "properties": {
        "object": {"const": "list"},
        "data": {"type": "array", "items": {"type": "object"}},
        "model": {"type": "string"},
        "usage": {"type": "object"},
    },
}
RESPONSE = {
    "type": "object",
    "required": ["id", "object", "created_at", "status", "model", "output"],
    "properties": {
        "id": {"type": "string"},
        "object": {"const": "response"},
        "created_at": {"type": "integer"},
        "status": {"enum": ["completed", "incomplete", "failed", "in_progress"]},
        "model": {"type": "string"},
        "output": {"type": "array", "items": {"type": "object"}},
    },
}
MESSAGE = {
    "type": "object",
    "required": ["id", "type", "role", "model", "content", "stop_reason", "usage"],
    "properties": {
        "id": {"type": "string"},
        "type": {"const": "message"},
        "role": {"const": "assistant"},
        "model": {"type": "string"},
        "content": {"type": "array", "items": {"type": "object"}},
        "stop_reason": {"type": "string"},
        "usage": {"type": "object"},
    },
}

# route name -> the model of its JSON body
BODIES: dict[str, type[BaseModel]] = {
    "chat_completions": schemas.ChatCompletionRequest,
    "create_key": schemas.KeyCreate,
    "feedback": schemas.Feedback,
    "review_decide": schemas.ReviewDecision,
    "registry_push": schemas.VersionPush,
    "registry_label_move": schemas.LabelMove,
    "registry_rollback": schemas.Rollback,
    "registry_approve": schemas.Decision,
    "registry_reject": schemas.Decision,
    "embeddings": shapes.EmbeddingsRequest,
    "responses": shapes.ResponsesRequest,
    "messages": shapes.MessagesRequest,
    "create_signoff": schemas.SignoffCreate,
}
MODEL_ROUTES = ("chat_completions", "embeddings", "responses", "messages")
STREAMING = ("chat_completions", "responses", "messages")
OPTIONAL_BODIES = frozenset({"review_decide"})
# path parameters that take one of a few words; the others are strings
PATH_ENUMS = {"kind": ["prompts", "models"], "action": ["approve", "edit", "reject"]}
STRING = {"type": "string", "minLength": 1}
QUERIES: dict[str, list[dict[str, Any]]] = {
    "review_list": [
        {
            "name": "status",
            "schema": {"enum": ["open", "pending", "claimed", "approved", "edited", "rejected"]},
        }
    ],
    "registry_versions": [{"name": "name", "schema": STRING}],
    "registry_version": [{"name": "name", "schema": STRING}],
    "registry_diff": [
        {"name": "a", "required": True, "schema": STRING},
        {"name": "b", "required": True, "schema": STRING},
    ],
    "report_versions": [
        {"name": "days", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 3660}}
    ],
    "report_kpis": [
        {"name": "period", "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,4}[hd]$"}},
        {"name": "by", "schema": {"enum": ["version", "route", "cohort"]}},
    ],
    "report_topics": [
        {"name": "period", "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,4}[hd]$"}},
    ],
}
# route name -> its success statuses (200 when not listed)
SUCCESS = {
    "create_key": ("201",),
    "feedback": ("200", "201"),
    "registry_push": ("200", "201"),
    "registry_approve": ("201",),
    "registry_reject": ("201",),
}
RESPONSES = {
    "chat_completions": "ChatCompletion",
    "embeddings": "EmbeddingList",
    "responses": "Response",
    "messages": "Message",
}
ERRORS = {
    "400": "invalid request",
    "401": "missing or bad key",
    "403": "not permitted",
    "404": "not found",
    "405": "method not allowed",
    "408": "the body did not arrive in time",
    "409": "conflicts with the current state",
    "413": "body too large",
    "422": "wrong types",
    "429": "rate or budget limit",
}
UPSTREAM_ERRORS = {"502": "upstream failed", "503": "unavailable", "504": "upstream timed out"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _parameters(route: Route) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"enum": PATH_ENUMS[name]} if name in PATH_ENUMS else STRING,
        }
        for name in route.param_convertors
    ]
    return params + [{"in": "query", **q} for q in QUERIES.get(route.name, [])]


def _responses(route: Route, public: bool) -> dict[str, Any]:
    ok_schema = (
        {"$ref": REF.format(model=RESPONSES[route.name])} if route.name in RESPONSES else OBJECT
    )
    content = _json(ok_schema)
    if route.name in STREAMING:
        content["text/event-stream"] = {"schema": {"type": "string"}}
    if route.name == "metrics":
        content = {"text/plain": {"schema": {"type": "string"}}}
    out: dict[str, Any] = {
        code: {"description": "OK", "content": content}
        for code in SUCCESS.get(route.name, ("200",))
    }
    errors = {} if public else dict(ERRORS)
    if route.name in (*MODEL_ROUTES, "readyz"):
        errors |= UPSTREAM_ERRORS
    for code, text in errors.items():
        out[code] = {"description": text, "content": _json({"$ref": REF.format(model="Error")})}
    return out


def _operation(route: Route, method: str) -> dict[str, Any]:
    endpoint = route.endpoint
    permission = getattr(endpoint, "permission", "public")
    doc = (endpoint.__doc__ or route.name or "").strip().splitlines()
    op: dict[str, Any] = {
        "operationId": f"{method}_{route.name}",
        "summary": doc[0] if doc else route.path,
        "x-permission": permission,
        "parameters": _parameters(route),
        "responses": _responses(route, permission == "public"),
    }
    model = BODIES.get(route.name)
    if model is not None:
        op["requestBody"] = {
            "required": route.name not in OPTIONAL_BODIES,
            "content": _json({"$ref": REF.format(model=model.__name__)}),
        }
        op["responses"]["415"] = {
            "description": "the body is declared as other than JSON, or compressed",
            "content": _json({"$ref": REF.format(model="Error")}),
        }
    if permission != "public":
        op["security"] = [{"bearer": []}]
        if route.name == "messages":  # Anthropic clients send the key as x-api-key
            op["security"].append({"x-api-key": []})
    return op


def _schemas() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(BODIES.values())], ref_template=REF
    )
    answers = {"EmbeddingList": EMBEDDING_LIST, "Response": RESPONSE, "Message": MESSAGE}
    return {**defs["$defs"], "Error": ERROR, "ChatCompletion": CHAT_RESPONSE, **answers}


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
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "x-api-key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
            "schemas": _schemas(),
        },
    }
