"""The readiness report as Markdown, HTML (autoescaped, no script, no remote asset) or
plain text for a terminal."""

from __future__ import annotations

from html import escape
from typing import Any

from stanchion.readiness.report import Readiness

MARK = {True: "PASS", False: "FAIL"}


def _verdict(item: Any) -> str:
    return MARK[item.ok] if item.required or item.ok else "OPEN"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(rep: Readiness) -> str:
    lines = [
        f"# Readiness of {_md_cell(rep.app)}: {'READY' if rep.ok else 'NOT READY'}",
        "",
        f"report hash `{rep.hash}`",
        "",
        "| | item | week | evidence | fix |",
        "|---|---|---|---|---|",
    ]
    for i in rep.items:
        lines.append(
            f"| {_verdict(i)} | {_md_cell(i.title)} | {i.week} | {_md_cell(i.evidence)} |"
            f" {'' if i.ok else _md_cell(i.fix)} |"
        )
    lines += ["", "## Eight-week roadmap", "", "| week | | status | open |", "|---|---|---|---|"]
    for row in rep.timeline():
        lines.append(
            f"| {row['week']} | {row['title']} | {row['status']} | {', '.join(row['open'])} |"
        )
    lines += ["", "## People", ""]
    p = rep.people
    if p:
        lines.append(f"- users {p['users']}, who rated {p['raters']} (share {p['rated_share']})")
        t = p["review_turnaround"]
        lines.append(
            f"- reviews decided {t['decided']}, median {t['median_hours']} h,"
            f" p90 {t['p90_hours']} h"
        )
        for th in p["themes"]:
            lines.append(
                f"- theme *{_md_cell(th['theme'])}*: {th['comments']} comments, mean score"
                f' {th["mean_score"]} (e.g. "{_md_cell(th["example"])}")'
            )
    return "\n".join(lines) + "\n"


CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.PASS{color:#060}"
    ".FAIL{color:#a00}.OPEN{color:#a60}"
)


def to_html(rep: Readiness) -> str:
    rows = "".join(
        f"<tr><td class='{_verdict(i)}'>{_verdict(i)}</td><td>{escape(i.title)}</td>"
        f"<td>{i.week}</td><td>{escape(i.evidence)}</td>"
        f"<td>{'' if i.ok else escape(i.fix)}</td></tr>"
        for i in rep.items
    )
    weeks = "".join(
        f"<tr><td>{r['week']}</td><td>{escape(r['title'])}</td><td>{r['status']}</td>"
        f"<td>{escape(', '.join(r['open']))}</td></tr>"
        for r in rep.timeline()
    )
    themes = "".join(
        f"<li>{escape(t['theme'])}: {t['comments']} comments, mean {t['mean_score']}</li>"
        for t in rep.people.get("themes", [])
    )
    verdict = "READY" if rep.ok else "NOT READY"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Readiness of {escape(rep.app)}</title><style>{CSS}</style></head><body>"
        f"<h1>Readiness of {escape(rep.app)}: {verdict}</h1>"
        f"<p>report hash <code>{rep.hash}</code></p>"
        f"<table><tr><th></th><th>item</th><th>week</th><th>evidence</th><th>fix</th></tr>{rows}"
        "</table><h2>Eight-week roadmap</h2><table><tr><th>week</th><th></th><th>status</th>"
        f"<th>open</th></tr>{weeks}</table><h2>Feedback themes</h2><ul>{themes}</ul></body></html>"
    )
