"""Knowledge commands: ``ingest``, ``docs list|show|approve|retire``, ``ground check|eval``,
``retrieval eval``.

    stanchion ingest --app examples/support-assistant --approve
    stanchion docs approve docs/refund-policy.md --app examples/support-assistant
    stanchion ground eval ../shared/datasets/grounding/begin_dev.jsonl --json
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from stanchion.cli.common import actor, app_option, fails_cleanly, load_app, safe, safe_block, table

if TYPE_CHECKING:
    from stanchion.knowledge.spec import KnowledgeSpec
    from stanchion.spec import AppSpec
    from stanchion.store.crypto import Cipher
    from stanchion.store.db import Store


db_option = click.option("--db", default=None, help="store URL (default: the spec's storage)")


@dataclass
class Ctx:
    name: str
    folder: Path
    spec: KnowledgeSpec
    store: Store
    cipher: Cipher


def knowledge_spec(spec: AppSpec) -> KnowledgeSpec:
    """The spec's ``knowledge:`` section; an app without one has nothing to ingest."""
    if spec.knowledge is None:
        raise click.ClickException(f"app {spec.app!r} has no `knowledge:` section in its spec")
    return spec.knowledge


def open_ctx(app_dir: Path, db: str | None) -> Ctx:
    from stanchion.store.audit import bind_audit
    from stanchion.store.db import Store
    from stanchion.store.opening import app_cipher, audit_keys, open_store

    spec, folder, settings = load_app(app_dir)
    if db:
        store = Store(db)
        cipher = app_cipher(spec, folder, settings, store)
        bind_audit(store.engine, audit_keys(spec, folder, settings, cipher))
    else:
        store = open_store(spec, folder, settings)
        cipher = app_cipher(spec, folder, settings, store)
    return Ctx(spec.app, folder, knowledge_spec(spec), store, cipher)


@click.command()
@app_option
@db_option
@click.option("--approve", "approve_all", is_flag=True, help="approve each new version too")
@fails_cleanly
def ingest(app_dir: Path, db: str | None, approve_all: bool) -> None:
    """Load the spec's sources; changed content becomes a new draft version."""
    from stanchion.knowledge.ingest import count_items
    from stanchion.knowledge.ingest import ingest as run_ingest

    ctx = open_ctx(app_dir, db)
    ctx.store.upgrade()
    with click.progressbar(
        length=count_items(ctx.spec, ctx.folder),
        label="ingesting",
        item_show_func=lambda s: s,
        file=None,
    ) as bar:
        report = run_ingest(
            ctx.spec,
            ctx.folder,
            ctx.store,
            ctx.cipher,
            ctx.name,
            progress=lambda _: bar.update(1),
            approve_as=actor() if approve_all else None,
            actor=actor(),
        )
    click.echo(
        table(
            ["document", "status", "version", "chunks", "message"],
            [(r.doc_id, r.status, r.version, r.chunks, r.message) for r in report.results],
        )
    )
    counts = report.counts()
    click.echo(" ".join(f"{k}: {v}" for k, v in counts.items()) + f"  ({report.seconds:.2f}s)")
    if counts["error"]:
        raise SystemExit(1)


@click.group()
def docs() -> None:
    """Document versions: list, show, approve, retire."""


@docs.command("list")
@app_option
@db_option
@click.option("--status", type=click.Choice(["draft", "approved", "retired"]), default=None)
@fails_cleanly
def docs_list(app_dir: Path, db: str | None, status: str | None) -> None:
    from stanchion.knowledge.versions import list_versions

    ctx = open_ctx(app_dir, db)
    with ctx.store.engine.connect() as conn:
        versions = list_versions(conn, ctx.name, status, ctx.cipher)
    click.echo(
        table(
            ["document", "version", "status", "chunks", "changed by", "title"],
            [(v.doc_id, v.version, v.status, v.n_chunks, v.changed_by, v.title) for v in versions],
        )
    )


@docs.command("show")
@click.argument("doc_id")
@click.option("--version", type=int, default=None)
@app_option
@db_option
@fails_cleanly
def docs_show(doc_id: str, version: int | None, app_dir: Path, db: str | None) -> None:
    from stanchion.knowledge.versions import show

    ctx = open_ctx(app_dir, db)
    with ctx.store.engine.connect() as conn:
        info, text = show(conn, ctx.name, doc_id, version, ctx.cipher)
    click.echo(json.dumps(info.to_record(), indent=2))
    click.echo(safe_block(text))


def _change(fn: Any, doc_id: str, version: int | None, app_dir: Path, db: str | None) -> None:
    ctx = open_ctx(app_dir, db)
    with ctx.store.engine.begin() as conn:
        info = fn(conn, ctx.name, doc_id, version, actor())
    click.echo(f"{safe(info.doc_id)} v{info.version}: {safe(info.status)}")


@docs.command("approve")
@click.argument("doc_id")
@click.option("--version", type=int, default=None, help="default: the newest draft")
@app_option
@db_option
@fails_cleanly
def docs_approve(doc_id: str, version: int | None, app_dir: Path, db: str | None) -> None:
    from stanchion.knowledge.versions import approve

    _change(approve, doc_id, version, app_dir, db)


@docs.command("retire")
@click.argument("doc_id")
@click.option("--version", type=int, default=None, help="default: the approved one")
@app_option
@db_option
@fails_cleanly
def docs_retire(doc_id: str, version: int | None, app_dir: Path, db: str | None) -> None:
    from stanchion.knowledge.versions import retire

    _change(retire, doc_id, version, app_dir, db)


@click.group()
def ground() -> None:
    """Check answers against sources."""


@ground.command("check")
@click.option(
    "--sources",
    "sources_file",
    required=True,
    type=click.Path(path_type=Path, exists=True),
    help="text file; passages separated by blank lines",
)
@click.option(
    "--answer", "answer_file", required=True, type=click.Path(path_type=Path, exists=True)
)
@click.option("--json", "as_json", is_flag=True)
@fails_cleanly
def ground_check(sources_file: Path, answer_file: Path, as_json: bool) -> None:
    """Score one answer's claims against a sources file."""
    from stanchion.knowledge.grounding import Validator
    from stanchion.knowledge.spec import Grounding

    sources = [p for p in sources_file.read_text().split("\n\n") if p.strip()]
    answer = answer_file.read_text()
    v = Validator(Grounding()).validate(answer, sources)
    if as_json:
        click.echo(json.dumps(v.to_record()))
        return
    click.echo(f"groundedness {v.score:.3f}  ({'grounded' if v.grounded else 'NOT grounded'})")
    click.echo(
        table(
            ["claim", "support", "unsupported words"],
            [
                (c.text[:70], round(c.score, 3), ", ".join(answer[s:e] for s, e in c.unsupported))
                for c in v.claims
            ],
        )
    )


@ground.command("eval")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--json", "as_json", is_flag=True)
@click.option("--predictions", type=click.Path(path_type=Path), default=None)
@click.option("--threshold", type=float, default=None, help="default: the shipped one")
@click.option(
    "--kind",
    type=click.Choice(["qa", "dialogue", "summary", "claim"]),
    default="qa",
    help="what the answers are, as an app's spec declares it (knowledge.grounding.kind)",
)
@click.option(
    "--by",
    help="balanced accuracy per group (source: the dataset field), with the lexical baseline",
)
@click.option(
    "--leave-one-out",
    is_flag=True,
    help="thresholds chosen on the other groups (implies --by source)",
)
@fails_cleanly
def ground_eval(
    files: tuple[Path, ...],
    as_json: bool,
    predictions: Path | None,
    threshold: float | None,
    kind: str = "qa",
    by: str | None = None,
    leave_one_out: bool = False,
) -> None:
    """Balanced accuracy, F1, AUROC and latency per normalized grounding file."""
    from stanchion.knowledge.evaluation import (
        grounding_groups,
        grounding_report,
        predict_grounding,
        read_jsonl,
    )
    from stanchion.knowledge.grounding import Validator
    from stanchion.knowledge.spec import Grounding

    policy = Grounding.model_validate(
        {"kind": kind} | ({} if threshold is None else {"threshold": threshold})
    )
    validator = Validator(policy)
    if by is not None or leave_one_out:
        rows = [row for path in files for row in read_jsonl(path)]
        figures = grounding_groups(rows, validator, by or "source", leave_one_out)
        if as_json:
            click.echo(json.dumps(figures))
            return
        head = ["group", "n", "checker bal.acc", "lexical bal.acc", "checker thr", "lexical thr"]
        click.echo(
            table(
                head,
                [
                    (
                        g,
                        int(m["n"]),
                        m["checker"],
                        m["lexical"],
                        m["checker_threshold"],
                        m["lexical_threshold"],
                    )
                    for g, m in figures.items()
                ],
            )
        )
        return
    results: dict[str, dict[str, float]] = {}
    lines: list[str] = []
    for path in files:
        rows = list(read_jsonl(path))
        preds = predict_grounding(rows, validator)
        results[path.name] = grounding_report(rows, preds)
        lines += [
            json.dumps({"id": p.id, "score": round(p.score, 6), "label": p.label}) for p in preds
        ]
    if predictions:
        predictions.write_text("\n".join(lines) + "\n")
    if as_json:
        click.echo(json.dumps(results))
        return
    click.echo(
        table(
            ["file", "n", "precision", "recall", "f1", "bal.acc", "auroc", "p50 ms", "p95 ms"],
            [
                (
                    name,
                    int(m["n"]),
                    m["precision"],
                    m["recall"],
                    m["f1"],
                    m["balanced_accuracy"],
                    m["auroc"],
                    m["p50_ms"],
                    m["p95_ms"],
                )
                for name, m in results.items()
            ],
        )
    )


@click.group()
def retrieval() -> None:
    """Measure retrieval."""


@retrieval.command("eval")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True)
@click.option("--predictions", type=click.Path(path_type=Path), default=None)
@fails_cleanly
def retrieval_eval(folder: Path, as_json: bool, predictions: Path | None) -> None:
    """recall@5, recall@10, MRR@10 and latency on a BEIR-style folder."""
    from stanchion.knowledge.evaluation import Beir, percentile, retrieval_metrics
    from stanchion.knowledge.index_local import LocalIndex, beir_words
    from stanchion.knowledge.retriever import KnowledgeRetriever
    from stanchion.knowledge.text import term_string
    from stanchion.store.crypto import Cipher
    from stanchion.store.db import Store

    beir = Beir.load(folder)
    cipher = Cipher(bytes(32))
    with tempfile.TemporaryDirectory() as tmp:
        index = LocalIndex(Path(tmp) / "index.sqlite", None, "eval", cipher)
        index.add(
            [
                (
                    d["_id"],
                    d["_id"],
                    d["_id"],
                    1,
                    d.get("title", ""),
                    "",
                    0,
                    0,
                    "",
                    index.key.bag(term_string(d.get("title", ""))),
                    index.key.bag(term_string(d["text"])),
                    cipher.encrypt(d["text"].encode()),
                )
                for d in beir.corpus
            ]
        )
        retriever = KnowledgeRetriever(
            index,
            Store("sqlite://"),
            cipher,
            "eval",
            min_score=0.0,
            refresh_seconds=3600,
            words=lambda: beir_words(beir),
        )
        ranked, ms = {}, []
        for q in beir.queries:
            started = time.perf_counter()
            ranked[str(q["_id"])] = [p.doc_id for p in retriever.search_sync(q["text"], 10)]
            ms.append((time.perf_counter() - started) * 1000)
        index.close()
    result = {
        **retrieval_metrics(ranked, beir.qrels),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
    }
    if predictions:
        predictions.write_text(
            "".join(json.dumps({"id": q, "ranked": r}) + "\n" for q, r in ranked.items())
        )
    if as_json:
        click.echo(json.dumps({folder.name: result}))
    else:
        click.echo(table(["set", *result], [(folder.name, *result.values())]))


__all__ = ["docs", "ground", "ingest", "retrieval"]
