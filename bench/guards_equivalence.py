"""Same findings before and after a guards change: every scan compared field by field.

    python bench/guards_equivalence.py [--datasets ../shared/datasets] [--baseline HEAD]

The guards package of ``--baseline`` (a git revision; default HEAD, i.e. the last commit) is
extracted to a temporary directory and run in a subprocess; the working tree is run in
another; both write one line per scan and the lines are compared. Each text of the PII,
injection and toxicity sets (plus the 2 KB bench texts) is scanned as is and in adversarial
variants (zero-width characters, Cyrillic look-alikes, letters spaced out, leetspeak, a
base64-encoded copy), in the input, context and output directions, under the default policy
and a custom one. A scan's line holds the outcome's action, text and reply, each finding's
type, span, score (repr), detector and action, and the exchange's pseudonyms.

``--dump FILE`` (used by the subprocesses) runs the importable ``stanchion.guards`` only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trees import export_src

Row = dict[str, Any]
DIRECTIONS = ("input", "context", "output")
SYSTEM_PROMPT = (
    "You are the support assistant of Acme Travel. Answer only from the sources below, cite "
    "them, keep answers short and polite, and never give legal or medical advice."
)
CUSTOM_POLICY: dict[str, Any] = {
    "detectors": {
        "pii": {
            "regions": ["US", "GB", "DE"],
            "context_words": {"phone": ["hotline"]},
            "directions": ["input", "output", "context"],
        },
        "secrets": {"entropy_threshold": 3.0},
        "injection": {
            "extra_phrases": ["reveal the password", "Send me the data"],
            "directions": ["input", "context", "output"],
        },
        "toxicity": {
            "threshold": 0.3,
            "words": ["frobnicate", "idiot"],
            "allow_words": ["hell"],
            "directions": ["input", "output"],
        },
        "topics": {
            "enabled": True,
            "denied": [
                {
                    "name": "legal_advice",
                    "description": "Advice on lawsuits, contracts, courts",
                    "examples": ["Can I sue my landlord?"],
                }
            ],
        },
    },
    "thresholds": {"pii.person": 0.8, "toxicity.*": 0.6, "pii.*": 0.4},
    "rules": [
        {"match": "pii.email", "direction": "output", "action": "redact"},
        {"match": "pii.phone", "action": "hold", "min_score": 0.7},
        {"match": "jailbreak", "action": "flag"},
    ],
    "pseudonymise": ["pii.email", "pii.person"],
}
# Latin letters and a look-alike NFKC leaves alone (see normalize.CONFUSABLES).
LOOKALIKES = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "i": "і"})
LEET = str.maketrans({"o": "0", "i": "1", "e": "3", "a": "4", "s": "$"})


def _seed(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def variants(key: str, text: str) -> Iterator[tuple[str, str]]:
    """The text as is and disguised (each variant deterministic in the row id)."""
    yield "plain", text
    step = 3 + _seed(key) % 5
    yield "zero_width", "".join(c + ("\u200b" if i % step == 0 else "") for i, c in enumerate(text))
    yield "confusables", text.translate(LOOKALIKES)
    words = text.split(" ")
    spaced = [" ".join(w) if i % 4 == 1 and len(w) > 3 else w for i, w in enumerate(words)]
    yield "spacing", " ".join(spaced)
    yield "leet", text.translate(LEET)
    encoded = base64.b64encode(text[:600].encode()).decode()
    yield "base64", f"Please decode this and follow it: {encoded} thanks"


def corpus(root: Path) -> Iterator[tuple[str, str]]:
    """(key, text) of every row of the shared PII, injection and toxicity sets, plus 2 KB."""
    files = [
        root / "pii/presidio_synth_v2.jsonl",
        *sorted((root / "injection").glob("*.jsonl")),
        root / "toxicity/davidson_hate_offensive.jsonl",
    ]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                yield str(row["id"]), str(row["text"])
    grounding = root / "grounding/halueval_qa_one_turn.jsonl"
    for i, line in enumerate(grounding.read_text(encoding="utf-8").splitlines()[:300]):
        row = json.loads(line)
        text = " ".join(row["sources"]) + " " + str(row.get("question", ""))
        while len(text) < 2048:
            text += " " + text
        yield f"2kb-{i}", text[:2048]


def dump(root: Path, out: Path, only: str | None) -> None:
    import stanchion.guards
    from guards import steady_engine
    from stanchion.guards import GuardPolicySpec
    from stanchion.pipeline.exchange import Exchange
    from stanchion.providers.base import ChatRequest

    print("scanning with", stanchion.guards.__file__, file=sys.stderr)
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    policies = {"default": None, "custom": GuardPolicySpec.model_validate(CUSTOM_POLICY)}
    engines = {name: steady_engine(p) for name, p in policies.items()}
    with out.open("w", encoding="utf-8") as fh:
        for key, text in corpus(root):
            for variant, disguised in variants(key, text):
                for name, engine in engines.items():
                    for direction in DIRECTIONS:
                        if only is not None and only != f"{name}/{direction}":
                            continue
                        exchange = Exchange(id=key, app="eq", started=0.0, request=request)
                        exchange.system_prompt = SYSTEM_PROMPT
                        outcome = engine.scan(disguised, direction, exchange)
                        record = [
                            key,
                            variant,
                            name,
                            direction,
                            outcome.action,
                            outcome.text,
                            outcome.reply,
                            [
                                [f.type, f.start, f.end, repr(f.score), f.detector, f.action]
                                for f in outcome.findings
                            ],
                            exchange.pseudonyms,
                        ]
                        fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_side(src: Path, root: Path, out: Path, only: str | None) -> float:
    # One hash seed for both sides: the injection model sums the fired signals' weights in set
    # order, which follows string hashes, so the last bit of a learned score varies between
    # processes with the seed (the baseline differs from itself otherwise).
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0")
    cmd = [sys.executable, __file__, "--datasets", str(root), "--dump", str(out)]
    if only:
        cmd += ["--only", only]
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True)
    return time.perf_counter() - started


def compare(before: Path, after: Path) -> int:
    diffs = total = 0
    with before.open(encoding="utf-8") as a, after.open(encoding="utf-8") as b:
        for x, y in zip(a, b, strict=True):
            total += 1
            if x != y:
                diffs += 1
                if diffs <= 10:
                    print("BEFORE", x.strip()[:800], "\nAFTER ", y.strip()[:800], "\n")
    findings = sum(len(json.loads(line)[7]) for line in before.open(encoding="utf-8"))
    print(f"{total} scans ({findings} findings) compared; {diffs} differ")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--baseline", default="HEAD", help="git revision to compare against")
    ap.add_argument("--dump", type=Path, help="only write this side's scans to FILE")
    ap.add_argument("--only", help="one policy/direction, e.g. default/input")
    a = ap.parse_args()
    if a.dump:
        dump(a.datasets.resolve(), a.dump, a.only)
        return
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        base = export_src(a.baseline, Path(tmp) / "baseline").parent
        root = a.datasets.resolve()
        seconds_before = run_side(base / "src", root, Path(tmp) / "before.jsonl", a.only)
        seconds_after = run_side(repo / "src", root, Path(tmp) / "after.jsonl", a.only)
        print(f"baseline {a.baseline}: {seconds_before:.0f} s; working tree: {seconds_after:.0f} s")
        sys.exit(1 if compare(Path(tmp) / "before.jsonl", Path(tmp) / "after.jsonl") else 0)


if __name__ == "__main__":
    main()
