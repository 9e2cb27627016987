"""Every supported format ingests; a broken file is a clear error and the batch goes on."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import docx

from stanchion.knowledge.chunking import chunk_text
from stanchion.knowledge.ingest import ingest
from stanchion.knowledge.loaders import load_file
from stanchion.knowledge.spec import KnowledgeSpec
from stanchion.knowledge.versions import list_versions, show
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF with one line of text (built by hand, with its xref table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_formats(docs: Path) -> None:
    (docs / "guide.md").write_text("# Guide\n\n## Setup\n\nInstall the widget first.\n")
    (docs / "notes.txt").write_text("Plain notes about the warranty. It lasts two years.\n")
    (docs / "page.html").write_text(
        "<html><head><title>Help</title><script>x()</script></head><body><h1>Help</h1>"
        "<p>Call support on weekdays.</p><table><tr><th>plan</th><th>price</th></tr>"
        "<tr><td>Pro</td><td>$20</td></tr></table></body></html>"
    )
    (docs / "manual.pdf").write_bytes(tiny_pdf("The battery lasts ten hours"))
    document = docx.Document()
    document.add_heading("Returns", level=1)
    document.add_paragraph("Returns are accepted within 30 days.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "item", "window"
    table.cell(1, 0).text, table.cell(1, 1).text = "shoes", "60 days"
    document.save(str(docs / "returns.docx"))
    (docs / "plans.csv").write_text("plan,price\nBasic,5\nPro,20\n")
    (docs / "faq.json").write_text(json.dumps([{"q": "Open on Sunday?", "a": "No."}]))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    (docs / "empty.md").write_text("")


def test_each_format_loads_to_text(app_dir: Path) -> None:
    docs = app_dir / "docs"
    write_formats(docs)
    assert "ten hours" in load_file(docs / "manual.pdf").text
    html = load_file(docs / "page.html")
    assert html.title == "Help" and "| Pro | $20 |" in html.text and "x()" not in html.text
    returns = load_file(docs / "returns.docx").text
    assert returns.startswith("# Returns") and "| shoes | 60 days |" in returns
    assert "| Pro | 20 |" in load_file(docs / "plans.csv").text
    assert "a: No." in load_file(docs / "faq.json").text


def test_batch_with_broken_and_empty_files(store: Store, cipher: Cipher, app_dir: Path) -> None:
    write_formats(app_dir / "docs")
    spec = KnowledgeSpec.model_validate({"sources": [{"files": ["docs/*"]}]})
    report = ingest(spec, app_dir, store, cipher, app="shop")
    errors = {r.doc_id: r.message for r in report.errors}
    assert set(errors) == {"docs/broken.pdf", "docs/empty.md"}
    assert "empty file" in errors["docs/empty.md"]
    assert "cannot read as pdf" in errors["docs/broken.pdf"]
    assert report.counts()["new"] == 7
    with store.engine.connect() as conn:
        assert {v.status for v in list_versions(conn, "shop")} == {"draft"}
        info, text = show(conn, "shop", "docs/returns.docx", None, cipher)
    assert info.format == "docx" and "30 days" in text


def test_sql_source_rows_become_documents(
    store: Store, cipher: Cipher, app_dir: Path, tmp_path: Path
) -> None:
    crm = tmp_path / "crm.db"
    with sqlite3.connect(crm) as db:
        db.execute("create table accounts (id integer, name text, notes text)")
        db.executemany(
            "insert into accounts values (?,?,?)",
            [(1, "Acme", "Renewal due in March."), (2, "Globex", "Prefers email.")],
        )
    spec = KnowledgeSpec.model_validate(
        {
            "sources": [
                {
                    "name": "crm",
                    "url": f"sqlite:///{crm}",
                    "query": "select * from accounts",
                    "id_column": "id",
                    "title_column": "name",
                    "text_columns": ["notes"],
                }
            ]
        }
    )
    report = ingest(spec, app_dir, store, cipher, app="shop")
    assert report.counts()["new"] == 2
    assert ingest(spec, app_dir, store, cipher, app="shop").counts()["unchanged"] == 2
    with store.engine.connect() as conn:
        info, text = show(conn, "shop", "crm:1", None, cipher)
    assert info.title == "Acme" and "Renewal due in March." in text


def test_chunks_follow_structure_and_overlap() -> None:
    text = (
        "# A\n\n"
        + " ".join(f"Sentence number {i} is here." for i in range(40))
        + ("\n\n## B\n\n| x | y |\n|---|---|\n| 1 | 2 |\n")
    )
    chunks = chunk_text(text, 50, 10)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert chunks[-1].section == "A > B" and chunks[-1].text.startswith("## B")
    first, second = chunks[0], chunks[1]
    assert second.start < first.end  # overlap
    assert all(len(c.text.split()) <= 50 for c in chunks)
