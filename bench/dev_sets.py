"""The DEV questions the gate's benches read (issue 15), as ``Planner.plan`` serves them: the
example app's dev files, the dev split of each DEV app (``DEV_APPS``; appd and appe whole
since their failures were read), each app's knowledge built from its own spec. Read by
``answerability_fit.py`` (which re-exports these names) and the benches built on it. The
apps nobody reads (apph, appi, appj, the blind set) are never here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from stanchion.knowledge.build import build_knowledge
from stanchion.knowledge.followup import QUESTION_CHARS
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.plan import REPLY_CHARS, Plan, Planner
from stanchion.knowledge.query import split_asks
from stanchion.knowledge.query.turns import unabbreviate
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

APP = Path(__file__).resolve().parents[1] / "examples" / "support-assistant"
DATA = Path(__file__).resolve().parent / "data"
APPB = DATA / "appb"
EXAMPLE_SETS = ("messy", "messy2", "messy3", "messy4")
# The apps whose DEV split is read (each its own questions.jsonl); their held-out split never is
DEV_APPS = ("appb", "appc", "appd", "appe", "appf", "appg")


def half(row_id: str) -> str:
    return "dev" if hashlib.sha256(row_id.encode()).digest()[0] < 128 else "test"


# A DEV question: its id, the user's turns, answerable, the assistant's last reply (or "")
Item = tuple[str, list[str], bool, str]


def as_served(planner: Planner, turns: list[str], reply: str = "", k: int = 4) -> Plan:
    """``Planner.plan``'s reading of a conversation (each turn cut and unabbreviated, the
    assistant's reply read after an earlier turn) without its memory of plans, which would
    answer a rule switched off with the plan made while it was on."""
    reply = reply[:REPLY_CHARS] if len(turns) > 1 else ""
    turns = [unabbreviate(t[:QUESTION_CHARS]) for t in turns]
    return planner.plan_sync(turns, split_asks(turns[-1]), k, [], reply)


def questions(path: Path, split: str | None) -> list[Item]:
    items = []
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if split is not None and e.get("split") != split:
            continue
        msgs = e.get("messages") or [{"role": "user", "content": e["question"]}]
        turns = [m["content"] for m in msgs if m["role"] == "user"]
        replies = [m["content"] for m in msgs if m["role"] == "assistant"]
        items.append((e["id"], turns, bool(e.get("answerable", True)), (replies or [""])[-1]))
    return items


def knowledge_at(tmp: Path, app: Path, raw: dict[str, Any], name: str) -> Any:
    """The knowledge of ``raw`` (a spec's knowledge section) over ``app``'s documents,
    ingested and approved, its index and catalog in ``tmp`` (not started)."""
    raw["retrieval"]["index_path"] = str(tmp / "index.sqlite")
    if "catalog" in raw:
        raw["catalog"]["url"] = f"sqlite:///{tmp / 'catalog.db'}"
    spec = KnowledgeSpec.model_validate(raw)
    store = Store(f"sqlite:///{tmp / 'kn.db'}")
    store.upgrade()
    cipher = Cipher(bytes(32))
    ingest(spec, app, store, cipher, name, approve_as="bench")
    return build_knowledge(spec, app, store, cipher, app=name)


Sets = dict[str, tuple[Path, str | None]]  # set name: (questions file, split or all)


def app_sets(name: str) -> Sets:
    """A DEV app's questions: its dev split only."""
    return {name: (DATA / name / "evals" / "questions.jsonl", "dev")}


def appb_sets() -> Sets:
    return app_sets("appb")


def dev_apps(tmp: Path) -> list[tuple[str, Path, Path, Sets]]:
    """Every app with DEV questions but clapnq, the example first: (name, a new empty folder
    in ``tmp`` for its index and store, the app's folder, its DEV sets)."""
    example: Sets = {n: (APP / "evals" / f"{n}-dev.jsonl", None) for n in EXAMPLE_SETS}
    apps = [("example", APP, example)] + [(a, DATA / a, app_sets(a)) for a in DEV_APPS]
    out = []
    for name, folder, sets in apps:
        (tmp / name).mkdir()
        out.append((name, tmp / name, folder, sets))
    return out
