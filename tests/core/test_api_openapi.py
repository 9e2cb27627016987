"""The OpenAPI document declares what the routes take: every path parameter, the body of
every route that reads one (from the same models that validate it), and an error schema
for every failure status."""

from __future__ import annotations

import re

from stanchion import __version__
from stanchion.server.app import routes
from stanchion.server.openapi import BODIES, openapi_document
from stanchion.server.schemas import ChatCompletionRequest, KeyCreate

DOC = openapi_document(routes(), __version__)
OPERATIONS = [
    (path, method, op) for path, ops in DOC["paths"].items() for method, op in ops.items()
]


def test_every_path_parameter_is_declared() -> None:
    for path, method, op in OPERATIONS:
        declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
        assert all(p["required"] for p in op["parameters"] if p["in"] == "path")


def test_bodies_come_from_the_models_that_validate_them() -> None:
    with_body = {
        op["operationId"].split("_", 1)[1] for _, _, op in OPERATIONS if "requestBody" in op
    }
    assert with_body == set(BODIES)
    schemas = DOC["components"]["schemas"]
    assert schemas["KeyCreate"] == KeyCreate.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    chat = schemas["ChatCompletionRequest"]
    assert chat["properties"]["temperature"]["anyOf"][0] == {
        "maximum": 2,
        "minimum": 0,
        "type": "number",
    }
    assert set(chat["required"]) == {"model", "messages"}
    assert set(ChatCompletionRequest.model_fields) <= set(chat["properties"])


def test_failures_are_documented_with_the_error_schema() -> None:
    for path, method, op in OPERATIONS:
        statuses = set(op["responses"])
        assert statuses & {"200", "201"}, f"{method} {path}"
        if op["x-permission"] != "public":
            assert {"400", "401", "403", "404", "422"} <= statuses, f"{method} {path}"
            assert op["security"][0] == {"bearer": []}
        for status, response in op["responses"].items():
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}


def test_translated_routes_are_documented() -> None:
    ops = {op["operationId"]: op for _, _, op in OPERATIONS}
    for operation, model, answer in (
        ("post_embeddings", "EmbeddingsRequest", "EmbeddingList"),
        ("post_responses", "ResponsesRequest", "Response"),
        ("post_messages", "MessagesRequest", "Message"),
    ):
        op = ops[operation]
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/" + model) and model in DOC["components"]["schemas"]
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ok.endswith("/" + answer) and answer in DOC["components"]["schemas"]
        assert op["x-permission"] == "chat" and "502" in op["responses"]
    for operation in ("post_responses", "post_messages"):
        assert "text/event-stream" in ops[operation]["responses"]["200"]["content"]
    assert {"x-api-key": []} in ops["post_messages"]["security"]
    messages = DOC["components"]["schemas"]["MessagesRequest"]
    assert set(messages["required"]) == {"model", "max_tokens", "messages"}
