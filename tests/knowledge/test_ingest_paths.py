"""Ingest stays inside the app folder (issue 8, item 13): `..` and absolute globs are one
clear error (no traceback), symlinks that lead out are refused with one line, nothing from
outside reaches the store; symlinks that stay inside still work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from stanchion.knowledge.ingest import count_items, ingest
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.versions import list_versions
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

SECRET = "the launch codes are 0000"


def layout(tmp_path: Path, app_dir: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n")
    (app_dir / "docs" / "refunds.md").write_text("# Refunds\n\nRefunds take 5 days.\n")
    return outside


def run(spec: dict[str, object], app_dir: Path, store: Store, cipher: Cipher) -> dict[str, str]:
    ks = KnowledgeSpec.model_validate(spec)
    report = ingest(ks, app_dir, store, cipher, "shop")
    return {r.doc_id: (r.message or r.status) for r in report.results}


def stored(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return [v.doc_id for v in list_versions(conn, "shop")]


def test_dotdot_and_absolute_globs_are_one_error(
    tmp_path: Path, app_dir: Path, store: Store, cipher: Cipher
) -> None:
    layout(tmp_path, app_dir)
    for pattern in ("../outside/*.md", "docs/../../outside/*.md", str(tmp_path / "outside/*")):
        spec = {"sources": [{"files": [pattern]}]}
        out = run(spec, app_dir, store, cipher)
        assert list(out.values()) == [
            f"files pattern {pattern!r} reaches outside the app folder (relative globs only,"
            " without '..')"
        ]
        assert count_items(KnowledgeSpec.model_validate(spec), app_dir) == 0
    assert stored(store) == []


def test_symlinks_out_are_refused_in_one_line(
    tmp_path: Path, app_dir: Path, store: Store, cipher: Cipher
) -> None:
    outside = layout(tmp_path, app_dir)
    (app_dir / "docs" / "link.md").symlink_to(outside / "secret.md")
    (app_dir / "docs" / "ext").symlink_to(outside, target_is_directory=True)
    (app_dir / "docs" / "inside.md").symlink_to(app_dir / "docs" / "refunds.md")
    spec = {"sources": [{"files": ["docs/*.md", "docs/ext/*.md", "docs/**/*.md"]}]}
    out = run(spec, app_dir, store, cipher)
    refused = "symlink to a file outside the app folder, refused"
    assert out == {
        "docs/ext/secret.md": f"docs/ext/secret.md: {refused}",
        "docs/inside.md": "new",
        "docs/link.md": f"docs/link.md: {refused}",
        "docs/refunds.md": "new",
    }
    assert sorted(stored(store)) == ["docs/inside.md", "docs/refunds.md"]


def test_cli_ingest_with_an_absolute_glob_prints_no_traceback(
    tmp_path: Path, app_dir: Path
) -> None:
    layout(tmp_path, app_dir)
    (app_dir / "docs" / "link.md").symlink_to(tmp_path / "outside" / "secret.md")
    spec = {
        "app": "shop",
        "goal": {"statement": "answer", "kpis": {"satisfaction": 4.2}},
        "human_cost": {"per_task": 3.0, "minutes": 5},
        "owners": {"business": "b@example.com"},
        "models": {"default": "local", "routes": [{"name": "local", "provider": "local"}]},
        "knowledge": {"sources": [{"files": ["/etc/*"]}, {"files": ["docs/*.md"]}]},
    }
    (app_dir / "stanchion.yaml").write_text(yaml.safe_dump(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    env["STANCHION_ENCRYPTION_KEY"] = "A" * 43 + "="
    proc = subprocess.run(
        [sys.executable, "-m", "stanchion.cli", "ingest", "--app", str(app_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "Traceback" not in out, out
    assert "files pattern '/etc/*' reaches outside the app folder" in out
    assert "docs/link.md: symlink to a file outside the app folder, refused" in out
    assert SECRET not in out


def test_each_run_is_an_audit_event_with_its_errors(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    from stanchion.knowledge.ingest import INGEST_EVENT
    from stanchion.store.audit import verify
    from stanchion.store.audit_query import latest_event

    (app_dir / "docs" / "refunds.md").write_text("# Refunds\n\nRefunds take 5 days.\n")
    (app_dir / "docs" / "blank.md").write_text("")
    spec = KnowledgeSpec.model_validate({"sources": [{"files": ["docs/*.md"]}]})
    report = ingest(spec, app_dir, store, cipher, app="shop", actor="olga")
    assert report.counts()["error"] == 1
    with store.engine.begin() as conn:
        event = latest_event(conn, INGEST_EVENT, "shop")
        assert latest_event(conn, INGEST_EVENT, "another-app") is None
        assert verify(conn).ok
    assert event is not None and event["actor"] == "olga"
    assert event["detail"]["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "error": 1}
    blank = {"doc": "docs/blank.md", "message": "blank.md: empty file"}
    assert event["detail"]["errors"] == [blank]
