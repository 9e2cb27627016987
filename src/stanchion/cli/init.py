"""``stanchion init [DIR]``: scaffold an app for a team's own proof of concept.

Every answer comes from a flag or, when stdin is a terminal, a prompt; without a terminal
nothing is asked and the defaults stand (so CI and scripts never hang). The spec written
is loaded back and validated before the command says it is done.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from stanchion.cli.common import fails_cleanly, safe
from stanchion.errors import SpecError

# flag -> (question, default); None means the answer is required
QUESTIONS: dict[str, tuple[str, Any]] = {
    "name": ("App name (letters, digits, ._-)", None),
    "goal": ("Business goal, in one sentence", None),
    "outcome": ("Its measurable outcome", "share of questions resolved without an agent"),
    "satisfaction": ("Satisfaction target (1-5)", 4.2),
    "accuracy": ("Factual accuracy target (0-1)", 0.95),
    "p95_ms": ("p95 latency target (ms)", 3000.0),
    "cost_max": ("Most an answer may cost", 0.02),
    "human_cost": ("What the task costs when a person does it", 4.5),
    "minutes": ("Minutes a person spends on it", 6.0),
    "owner_business": ("Business owner", None),
    "owner_it": ("IT / security owner", ""),
    "owner_legal": ("Legal / compliance owner", ""),
    "owner_users": ("End users' representative", ""),
    "provider": ("Model provider (openai, anthropic, local)", "local"),
    "base_url": ("Model endpoint URL (OpenAI-compatible or Anthropic)", ""),
    "model": ("Model name", ""),
    "key_env": ("Env var holding the model key", ""),
    "prompt": ("System prompt", "You are the assistant of {{ company }}. Answer from the sources."),
    "pilot_users": ("Pilot users (comma-separated, at most 10)", ""),
}
NEXT = """
next:
  stanchion spec check --app {d}          # validate the spec
  stanchion quickstart --app {d}          # key, database, documents; serves it
  stanchion readiness --app {d}           # what stands between it and production
"""


def _answers(given: dict[str, Any], interactive: bool) -> dict[str, Any]:
    out = {}
    for key, (question, default) in QUESTIONS.items():
        value = given.get(key)
        if value is None and interactive:
            kind = type(default) if default is not None else str
            value = click.prompt(question, default=default, type=kind, show_default=True)
        if value is None:
            value = default
        if value is None:
            raise click.UsageError(f"--{key.replace('_', '-')} is required without a terminal")
        out[key] = value
    return out


def _route(a: dict[str, Any]) -> dict[str, Any]:
    route: dict[str, Any] = {"name": "main", "provider": a["provider"]}
    for field, key in (("model", "model"), ("base_url", "base_url"), ("api_key_env", "key_env")):
        if a[key]:
            route[field] = a[key]
    return route


def build_spec(a: dict[str, Any]) -> dict[str, Any]:
    owners = {"business": a["owner_business"]}
    for fn, key in (("it_security", "owner_it"), ("legal", "owner_legal"),
                    ("end_users", "owner_users")):  # fmt: skip
        if a[key]:
            owners[fn] = a[key]
    pilot = [u.strip() for u in str(a["pilot_users"]).split(",") if u.strip()]
    if len(pilot) > 10:
        raise click.UsageError(f"a pilot has at most 10 users ({len(pilot)} named)")
    spec: dict[str, Any] = {
        "app": a["name"],
        "goal": {
            "statement": a["goal"],
            "outcome": a["outcome"],
            "kpis": {
                "satisfaction": float(a["satisfaction"]),
                "factual_accuracy": float(a["accuracy"]),
                "p95_latency_ms": float(a["p95_ms"]),
                "cost_per_output_max": float(a["cost_max"]),
            },
        },
        "human_cost": {"per_task": float(a["human_cost"]), "minutes": float(a["minutes"])},
        "owners": owners,
        "models": {"default": "main", "routes": [_route(a)]},
        "prompts": {"system": {"file": "prompts/system.md", "variables": {"company": a["name"]}}},
        "knowledge": {"sources": [{"files": ["docs/*.md"]}]},
        # each user's content under their own key: an erasure reaches every copy (measured
        # at no CPU cost per request against the app key alone; docs/identity.md)
        "retention": {"subject_keys": True},
    }
    if pilot:
        spec["rollout"] = {
            "stages": [
                {"name": "pilot", "users": pilot, "min_rated": 30, "hold": 604800,
                 "gates": {"satisfaction": float(a["satisfaction"])}},
                {"name": "everyone", "everyone": True},
            ]
        }  # fmt: skip
    return spec


def write_app(folder: Path, a: dict[str, Any]) -> Path:
    from stanchion.spec import load_spec

    folder.mkdir(parents=True, exist_ok=True)
    spec_file = folder / "stanchion.yaml"
    if spec_file.exists():
        raise click.UsageError(f"{spec_file} exists; init never overwrites a spec")
    for sub in ("prompts", "docs", "evals"):
        (folder / sub).mkdir(exist_ok=True)
    (folder / "prompts" / "system.md").write_text(str(a["prompt"]) + "\n")
    readme = folder / "docs" / "README.md"
    if not readme.exists():
        readme.write_text("# Approved documents\n\nPut the documents the app answers from here.\n")
    example = {"id": "q01", "question": "A question your users ask",
               "facts": ["a fact a right answer states"], "answerable": True}  # fmt: skip
    (folder / "evals" / "dataset.jsonl").write_text(json.dumps(example) + "\n")
    spec_file.write_text(yaml.safe_dump(build_spec(a), sort_keys=False))
    try:
        load_spec(spec_file)
    except SpecError:
        spec_file.unlink()
        raise
    return spec_file


def _option(key: str) -> Any:
    default = QUESTIONS[key][1]
    kind = float if isinstance(default, float) else str
    return click.option(f"--{key.replace('_', '-')}", key, type=kind, default=None,
                        help=f"{QUESTIONS[key][0]}")  # fmt: skip


@click.command("init")
@click.argument("directory", default=".", type=click.Path(path_type=Path))
@fails_cleanly
def init(directory: Path, **given: Any) -> None:
    """Scaffold an app in DIRECTORY: spec, prompt, documents folder, eval stub."""
    spec_file = write_app(directory, _answers(given, sys.stdin.isatty()))
    click.echo(f"wrote {safe(spec_file)} (valid)")
    click.echo(NEXT.format(d=safe(directory)))


for _key in QUESTIONS:
    init = _option(_key)(init)
