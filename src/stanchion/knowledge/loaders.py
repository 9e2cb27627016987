"""File loaders: each turns one file's bytes into a title and Markdown-like text.

Headings become ``#`` lines and tables become ``|`` rows so that one chunker handles every
format. A loader is registered by extension; a new format is one function here::

    @loader(".rst")
    def load_rst(data: bytes) -> Loaded: ...
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from stanchion.errors import StanchionError


class LoadError(StanchionError):
    """A file that cannot be read as the format its name says."""


@dataclass(frozen=True, slots=True)
class Loaded:
    text: str
    title: str = ""
    format: str = "text"


Loader = Callable[[bytes], Loaded]
LOADERS: dict[str, Loader] = {}


def loader(*exts: str) -> Callable[[Loader], Loader]:
    def register(fn: Loader) -> Loader:
        for ext in exts:
            LOADERS[ext] = fn
        return fn

    return register


def load_file(path: Path) -> Loaded:
    """Read ``path`` with the loader for its extension; raises LoadError with the reason."""
    return load_bytes(path, path.read_bytes())


def load_bytes(path: Path, data: bytes) -> Loaded:
    """Parse ``data`` read from ``path`` (its name picks the loader and titles errors)."""
    fn = LOADERS.get(path.suffix.lower())
    if fn is None:
        raise LoadError(f"{path.name}: unsupported file type {path.suffix or '(none)'}")
    if not data.strip():
        raise LoadError(f"{path.name}: empty file")
    try:
        loaded = fn(data)
    except LoadError:
        raise
    except Exception as exc:  # a parser's own error, translated once here
        raise LoadError(f"{path.name}: cannot read as {path.suffix[1:]}: {exc}") from exc
    if not loaded.text.strip():
        raise LoadError(f"{path.name}: no text found")
    return Loaded(
        loaded.text, loaded.title or _first_heading(loaded.text) or path.stem, loaded.format
    )


def _first_heading(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@loader(".md", ".markdown")
def load_markdown(data: bytes) -> Loaded:
    return Loaded(_decode(data).replace("\r\n", "\n"), format="markdown")


@loader(".txt", ".text")
def load_text(data: bytes) -> Loaded:
    return Loaded(_decode(data).replace("\r\n", "\n"), format="text")


def table_rows(rows: list[list[str]]) -> str:
    """Rows (the first is the header) as Markdown table lines."""
    clean = [[" ".join(str(c).split()) for c in row] for row in rows if any(row)]
    if not clean:
        return ""
    lines = ["| " + " | ".join(clean[0]) + " |", "|" + "---|" * len(clean[0])]
    lines += ["| " + " | ".join(r) + " |" for r in clean[1:]]
    return "\n".join(lines)


@loader(".csv")
def load_csv(data: bytes) -> Loaded:
    rows = list(csv.reader(io.StringIO(_decode(data))))
    if not rows:
        raise LoadError("no rows")
    return Loaded(table_rows(rows), format="csv")


def _flatten(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            out += _flatten(v, f"{prefix}{k}: ")
        return out
    if isinstance(value, list):
        return [line for item in value for line in _flatten(item, prefix)]
    return [f"{prefix}{value}"]


@loader(".json", ".jsonl")
def load_json(data: bytes) -> Loaded:
    text = _decode(data)
    try:
        items: Any = json.loads(text)
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    records = items if isinstance(items, list) else [items]
    blocks = ["\n".join(_flatten(r)) if isinstance(r, dict | list) else str(r) for r in records]
    return Loaded("\n\n".join(blocks), format="json")


@loader(".pdf")
def load_pdf(data: bytes) -> Loaded:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    title = ""
    meta = reader.metadata
    if meta is not None and meta.title:
        title = str(meta.title)
    return Loaded("\n\n".join(p for p in pages if p), title=title, format="pdf")


@loader(".docx")
def load_docx(data: bytes) -> Loaded:
    import docx

    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    body = document.element.body
    paragraphs = {p._p: p for p in document.paragraphs}
    tables = {t._tbl: t for t in document.tables}
    for child in body.iterchildren():
        if child in paragraphs:
            para = paragraphs[child]
            text = para.text.strip()
            style = (para.style.name or "") if para.style is not None else ""
            if text and style.startswith("Heading"):
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
                blocks.append("#" * level + " " + text)
            elif text:
                blocks.append(text)
        elif child in tables:
            rows = [[cell.text for cell in row.cells] for row in tables[child].rows]
            blocks.append(table_rows(rows))
    return Loaded("\n\n".join(blocks), title=document.core_properties.title or "", format="docx")


class _HtmlToText(HTMLParser):
    BLOCK = frozenset({"p", "div", "section", "article", "br", "li", "ul", "ol", "blockquote"})
    SKIP = frozenset({"script", "style", "head", "nav", "footer"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.rows: list[list[str]] = []
        self.skip = 0
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCK:
            self.out.append("\n\n" if tag != "li" else "\n- ")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.out.append("\n\n")
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self.out.append("\n\n" + table_rows(self.rows) + "\n\n")
            self.rows = []

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.out.append(" ".join(data.split()) + (" " if data[-1:].isspace() else ""))


@loader(".html", ".htm")
def load_html(data: bytes) -> Loaded:
    parser = _HtmlToText()
    parser.feed(_decode(data))
    parser.close()
    raw = "".join(parser.out)
    blocks = [
        " ".join(b.split()) if not b.lstrip().startswith("|") else b.strip()
        for b in raw.split("\n\n")
    ]
    return Loaded("\n\n".join(b for b in blocks if b), title=parser.title.strip(), format="html")
