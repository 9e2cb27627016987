"""The console in a real browser: Debian's Chromium driven by Playwright, against a real
``stanchion serve`` of the example app on SQLite and on PostgreSQL.

Every page visited is saved as a screenshot in ``$STANCHION_SCREENSHOTS`` (default
``.stanchion-screenshots/<db>/``) for people to look at; the path is printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import _pg_database

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "support-assistant"
XSS = '<img src=x onerror=alert(1)><script>alert("x")</script>'
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """The example app, set up by the CLI and served by ``stanchion serve``."""

    def __init__(self, folder: Path, db_url: str) -> None:
        shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".stanchion"))
        spec = yaml.safe_load((folder / "stanchion.yaml").read_text())
        spec["guards"] = {
            "detectors": {"toxicity": {"words": ["surges"]}},
            "rules": [{"match": "toxicity.*", "direction": "output", "action": "hold"}],
        }
        (folder / "stanchion.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
        (folder / "docs" / "gift-cards.md").write_text(
            f"# Gift cards {XSS}\n\nGift cards never expire. {XSS} They cannot be refunded.\n"
        )
        self.folder, self.db_url = folder, db_url
        self.env = {**os.environ, "STANCHION_DATABASE_URL": db_url}
        cli = [sys.executable, "-m", "stanchion.cli"]
        subprocess.run(
            [*cli, "quickstart", "--app", str(folder), "--no-serve"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        (folder / "docs" / "loyalty.md").write_text(
            "# Loyalty points\n\nEvery order earns one point per dollar.\n"
        )
        (folder / "docs" / "empty-<b>x.md").write_text("")  # an ingest error, named oddly
        with (folder / "docs" / "shipping.md").open("a") as f:  # a changed document: v2 draft
            f.write("\nSaturday delivery is available in major cities.\n")
        ingested = subprocess.run(  # a draft: ingested, not approved
            [*cli, "ingest", "--app", str(folder)],
            env=self.env,
            capture_output=True,
            timeout=120,
        )
        assert ingested.returncode == 1 and b"empty file" in ingested.stdout, ingested
        self._two_experiments(cli)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*cli, "serve", "--app", str(folder), "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("stanchion serve did not start")

    def _two_experiments(self, cli: list[str]) -> None:
        """Two eval runs of a small dataset; between them its last example's expected fact
        is corrected (dataset v2), so that example fails in the first and passes in the
        second."""
        head = (EXAMPLE / "evals" / "questions.jsonl").read_text().splitlines()[:3]
        data = self.folder / "evals" / "mini.jsonl"
        for fact in ("lunar", "business days"):
            q99 = {"id": "q99", "question": "How long do card refunds take?", "facts": [fact]}
            data.write_text("\n".join([*head, json.dumps(q99)]) + "\n")
            for cmd in (["dataset", str(data)], ["run", "--dataset", "mini"]):
                done = subprocess.run(
                    [*cli, "eval", *cmd, "--app", str(self.folder)],
                    env=self.env,
                    capture_output=True,
                    timeout=120,
                )
                assert done.returncode == 0, done

    def key(self, role: str, user: str) -> str:
        """A key made as an operator makes one: through the CLI, whose store holds the audit
        chain's key (an unkeyed append after keyed events reads as a rewrite, rightly)."""
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "stanchion.cli",
                "keys",
                "create",
                "--app",
                str(self.folder),
                "--user",
                user,
                "--role",
                role,
                "--quiet",
            ],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return made.stdout.strip()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


# The browser walk is the same on either store (each page's queries are run on both by
# test_console_roles.py and test_console.py, without a browser); the suite walks it on SQLite,
# the quickstart's store. STANCHION_BROWSER_STORES=sqlite,postgresql walks both.
BROWSER_STORES = os.environ.get("STANCHION_BROWSER_STORES", "sqlite").split(",")


@pytest.fixture(params=BROWSER_STORES)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):  # .ci/run installs it: a missing browser is a failure there
            pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/console.db"
        app = Served(tmp_path / "app", url)
        yield app
        app.stop()
        return
    gen = _pg_database()
    url = next(gen)
    app = Served(tmp_path / "app", url)
    try:
        yield app
    finally:
        app.stop()
        gen.close()


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):  # one run's pages, not a mix of runs
            old.unlink()
        self.n = 0

    def __call__(self, page: Any, name: str) -> None:
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)


def _watch(page: Any, problems: list[str]) -> None:
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if "Content Security Policy" in m.text
            or (m.type == "error" and "Failed to load resource" not in m.text)
            else None
        ),
    )


def _sign_in(browser: Any, base: str, key: str, problems: list[str]) -> Any:
    page = browser.new_context(base_url=base).new_page()
    _watch(page, problems)
    page.goto("/ui/login")
    page.fill("#key", key)
    page.click("#signin")
    page.wait_for_load_state()
    return page


def test_console_in_chromium(served: Served, request: pytest.FixtureRequest) -> None:
    from playwright.sync_api import expect, sync_playwright

    default = ROOT / ".stanchion-screenshots" / request.node.callspec.id
    shots = Shots(Path(os.environ.get("STANCHION_SCREENSHOTS") or default))
    print(f"\nscreenshots: {shots.folder}")
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            _pilot_asks_and_rates(browser, served, shots, problems)
            _owner_overview_and_traces(browser, served, shots, problems, expect)
            _reviewer_releases(browser, served, shots, problems, expect)
            _prompt_approved_and_label_moved(browser, served, shots, problems, expect)
            _draft_document_approved(browser, served, shots, problems, expect)
        finally:
            browser.close()
    assert problems == []


def _pilot_asks_and_rates(browser: Any, served: Served, shots: Shots, problems: list[str]) -> None:
    login = browser.new_context(base_url=served.url).new_page()
    login.goto("/ui/login")
    shots(login, "login")
    page = _sign_in(browser, served.url, served.key("user", XSS), problems)
    assert page.url.endswith("/ui/playground")
    page.fill("#question", "How long do refunds take?")
    page.click("#ask")
    page.wait_for_selector("#answer")
    assert page.locator("#citations li").count() >= 1
    page.check("input[name=score][value='5']")
    page.fill("#comment", f"clear {XSS}")
    page.click("#rate")
    page.wait_for_selector("#rated")
    shots(page, "playground-rated")
    page.fill("#question", "What does the warranty not cover?")
    page.click("#ask")
    page.wait_for_selector("#answer")
    assert "surges" not in page.inner_text("#answer")  # held: the caller waits for a reviewer
    page.fill("#question", "Do gift cards expire?")
    page.click("#ask")
    page.wait_for_selector("#citations")
    shots(page, "playground-xss-document")
    page.goto("/ui/traces")
    shots(page, "own-conversations")
    assert page.goto("/ui/overview").status == 403  # type: ignore[union-attr]


def _owner_overview_and_traces(
    browser: Any, served: Served, shots: Shots, problems: list[str], expect: Any
) -> None:
    page = _sign_in(browser, served.url, served.key("owner", "olga"), problems)
    assert page.url.endswith("/ui/overview")
    expect(page.locator("#kpi-satisfaction .value")).to_have_text("5.00 / 5")
    shots(page, "overview")
    page.click("#kpi-hold_rate")
    page.wait_for_selector("#trace-list")
    page.goto("/ui/traces")
    page.select_option("#f-decision", "hold")
    page.click("#apply")
    links = page.locator("a.trace-link")
    expect(links).to_have_count(1)
    shots(page, "traces-filtered")
    links.first.click()
    page.wait_for_selector("svg.waterfall rect")
    assert "What does the warranty not cover?" in page.content()
    expect(page.locator(".passage.cited").first).to_contain_text("power surges")
    expect(page.locator(".passage.cited mark.cited-span").first).to_contain_text("power surges")
    shots(page, "trace")
    page.goto("/ui/evals")
    expect(page.locator("#experiments tbody tr")).to_have_count(2)
    shots(page, "evals")
    page.locator("#experiments a").first.click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("q99")
    shots(page, "experiment")
    page.goto("/ui/evals")
    page.click("#compare")
    page.wait_for_load_state()
    expect(page.locator("#changed")).to_contain_text("q99")
    shots(page, "experiments-compared")
    page.goto("/ui/audit?verify=1")
    expect(page.locator("#chain")).to_contain_text("Chain intact")
    shots(page, "audit")
    missing = page.goto("/ui/traces/" + "0" * 32)
    assert missing is not None and missing.status == 404
    reference = missing.headers["x-stanchion-trace-id"]
    expect(page.locator(".reference code")).to_have_text(reference)
    shots(page, "error-page")


def _reviewer_releases(
    browser: Any, served: Served, shots: Shots, problems: list[str], expect: Any
) -> None:
    page = _sign_in(browser, served.url, served.key("reviewer", "rita"), problems)
    page.goto("/ui/review")
    expect(page.locator("#depth")).to_contain_text("1 waiting")
    shots(page, "review-queue")
    page.locator("a.item-link").first.click()
    page.wait_for_selector("#claim")
    page.keyboard.press("c")
    page.wait_for_selector("#approve")
    expect(page.locator("#evidence mark.cited-span").first).to_contain_text("power surges")
    shots(page, "review-claimed")
    page.keyboard.press("a")
    page.wait_for_url(re.compile(r".*/ui/review$"))
    expect(page.locator("#depth")).to_contain_text("0 waiting")
    page.goto("/ui/review?status=approved")
    shots(page, "review-approved")
    page.locator("#signout").click()
    page.wait_for_url(re.compile(r".*/ui/login$"))


def _prompt_approved_and_label_moved(
    browser: Any, served: Served, shots: Shots, problems: list[str], expect: Any
) -> None:
    author = served.key("owner", "olga")
    first = {
        "template": "You are the friendly, thorough assistant of {{ company }}.",
        "variables": {"company": "Lumen Home"},
    }
    httpx.post(
        served.url + "/admin/registry/prompts/versions",
        headers={"authorization": f"Bearer {author}"},
        json={"name": "system", "content": first, "message": "friendly"},
    ).raise_for_status()
    content = {
        "template": "You are the terse assistant of {{ company }}.",
        "variables": {"company": "Lumen Home"},
    }
    r = httpx.post(
        served.url + "/admin/registry/prompts/versions",
        headers={"authorization": f"Bearer {author}"},
        json={"name": "system", "content": content, "message": "terser"},
    )
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    page = _sign_in(browser, served.url, served.key("owner", "otto"), problems)
    page.goto("/ui/registry/prompts")
    row = page.locator("#versions tr", has_text=vid)
    row.locator("input[name=comment]").fill("reads well")
    row.locator("button.approve").click()
    page.wait_for_load_state()
    expect(page.locator("#versions tr", has_text=vid)).to_contain_text("ready")
    shots(page, "prompts-approved")
    admin = _sign_in(browser, served.url, served.key("admin", "ada"), problems)
    admin.goto("/ui/registry/prompts")
    admin.select_option("#move-version", vid)
    admin.click("#move")
    admin.wait_for_load_state()
    expect(admin.locator("#labels .label-version").first).to_have_text(vid)
    shots(admin, "prompts-label-moved")
    admin.locator("#diff").click()
    admin.wait_for_selector("#diff-text")
    expect(admin.locator("#diff-text")).to_contain_text("terse")
    shots(admin, "prompts-diff")


def _draft_document_approved(
    browser: Any, served: Served, shots: Shots, problems: list[str], expect: Any
) -> None:
    page = _sign_in(browser, served.url, served.key("owner", "olga"), problems)
    page.goto("/ui/knowledge?status=draft")
    expect(page.locator("#drafts")).to_have_text("2")
    shots(page, "knowledge-drafts")
    page.locator("#documents tr", has_text="shipping.md").locator("a.doc-link").click()
    expect(page.locator("pre.diff .add").last).to_contain_text("Saturday delivery")
    shots(page, "knowledge-draft-diff")
    page.goto("/ui/knowledge?status=draft")
    page.locator("#documents tr", has_text="loyalty.md").locator("a.doc-link").click()
    page.wait_for_selector("#approve-doc")
    shots(page, "knowledge-draft")
    page.click("#approve-doc")
    page.wait_for_url(re.compile(r".*/ui/knowledge$"))
    page.goto("/ui/knowledge?status=draft")
    expect(page.locator("#drafts")).to_have_text("1")
    page.goto("/ui/knowledge")
    expect(page.locator("#documents")).to_contain_text("Loyalty points")
    expect(page.locator("#ingest-errors")).to_contain_text("empty-<b>x.md")
    shots(page, "knowledge")
