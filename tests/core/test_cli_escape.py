"""Control characters in stored text cannot forge CLI output (issue 8, item 15): a user name
with a newline does not add a row to `keys list` or `review list`, escape sequences and bidi
overrides reach the terminal escaped, in tables and in plain lines alike."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from stanchion.cli.common import safe, safe_block, table
from stanchion.evals.review import NewItem, enqueue
from stanchion.store.crypto import load_cipher
from stanchion.store.db import Store
from stanchion.store.schema import api_keys

EXAMPLE = Path(__file__).parents[2] / "examples" / "support-assistant"
FORGED = "bob\nk999  sk-stn-x…  root  admin\r\x1b[2J\x1b]0;pwned\x07\u202eevil\u2028x\x00"


def cli(*args: str, app: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCHION_")}
    return subprocess.run(
        [sys.executable, "-m", "stanchion.cli", *args, "--app", str(app)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def hidden(out: str) -> list[str]:
    """Characters a terminal would act on, other than the newlines between lines."""
    return [
        repr(ch)
        for ch in out
        if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
    ]


def test_safe_escapes_what_a_terminal_acts_on() -> None:
    assert safe("bob\nroot") == "bob\\nroot"
    assert safe("\x1b[31mred\x07") == "\\x1b[31mred\\x07"
    assert safe("\u202eevil\u2028\u200b") == "\\u202eevil\\u2028\\u200b"
    assert safe("Zoë Ødegård 日本 C:\\temp") == "Zoë Ødegård 日本 C:\\temp"
    assert safe(None) == "" and safe(3) == "3"
    assert safe_block("line 1\n\tline 2\r\x1b") == "line 1\n\tline 2\\r\\x1b"
    out = table(["user", "role"], [["bob\nmallory", "admin"], ["carol", "user"]])
    assert len(out.splitlines()) == 4 and not hidden(out)


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    dest = tmp_path / "support"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".stanchion"))
    (dest / "docs" / "evil\x1b[2J.md").write_text(f"# {FORGED}\n\nRefunds take ages.\n")
    done = cli("quickstart", "--no-serve", app=dest)
    assert done.returncode == 0, done.stderr
    return dest


def plant(app: Path) -> None:
    """Hostile names as they may already sit in a store (any way in: SSO, an old version)."""
    store = Store(f"sqlite:///{app / '.stanchion' / 'stanchion.db'}")
    cipher = load_cipher(None, app / ".stanchion" / "master.key")
    with store.engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                id="kforged",
                prefix="sk-stn-f",
                hash="f" * 64,
                user=FORGED,
                role="user",
                app="support-assistant",
                created_at=time.time(),
            )
        )
        enqueue(
            conn,
            cipher,
            NewItem("t-forged", "support-assistant", "hold", "kforged", FORGED, None, FORGED, "a"),
        )
    store.dispose()


def test_tables_and_lines_escape_stored_names(app: Path) -> None:
    plant(app)
    keys = cli("keys", "list", app=app)
    assert keys.returncode == 0 and not hidden(keys.stdout)
    assert len(keys.stdout.splitlines()) == 2 + 2  # header, rule, quickstart key, forged key
    assert "bob\\nk999" in keys.stdout and "\\x1b[2J" in keys.stdout
    review = cli("review", "list", app=app)
    assert review.returncode == 0 and not hidden(review.stdout)
    assert len(review.stdout.splitlines()) == 3
    shown = cli("review", "show", "t-forged", app=app)
    assert shown.returncode == 0 and not hidden(shown.stdout)
    assert sum(line.startswith("user: ") for line in shown.stdout.splitlines()) == 1
    docs = cli("docs", "list", app=app)
    assert docs.returncode == 0 and not hidden(docs.stdout)
    assert "evil\\x1b[2J.md" in docs.stdout
    assert len(docs.stdout.splitlines()) == 2 + len(list((app / "docs").glob("*.md")))


def test_errors_escape_what_the_user_typed(app: Path) -> None:
    out = cli("review", "show", "x\x1b[2J\u202e", app=app)
    assert out.returncode != 0 and not hidden(out.stderr) and "x\\x1b[2J" in out.stderr
