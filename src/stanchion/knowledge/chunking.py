"""Structure-aware chunking: headings open sections, tables split by rows, prose by sentences.

Every chunk is one contiguous span of the document text, so a citation's ``start``/``end``
always points at the exact characters that were retrieved::

    >>> [c.section for c in chunk_text("# Refunds\\n\\nWithin 5 days.", 180, 30)]
    ['Refunds']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# (not after a numbered step's marker at a line's start: "1. Open the app." is one unit)
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!^\d\.)(?<!^\d\d\.)\s+(?=[A-Z0-9\"'(\[])", re.M)
WORDS = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Chunk:
    ordinal: int
    section: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Unit:
    start: int
    end: int
    words: int
    section: str
    heading: bool = False


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _sentences(text: str, start: int, end: int, section: str) -> list[_Unit]:
    units, pos = [], start
    segment = text[start:end]
    for m in SENTENCE_END.finditer(segment):
        stop = start + m.start()
        units.append(_Unit(pos, stop, len(WORDS.findall(text[pos:stop])), section))
        pos = start + m.end()
    if pos < end:
        units.append(_Unit(pos, end, len(WORDS.findall(text[pos:end])), section))
    return [u for u in units if u.words]


def _units(text: str) -> list[_Unit]:
    """Sentences, table rows and headings, each tagged with its section path."""
    path: list[tuple[int, str]] = []
    units: list[_Unit] = []
    para: tuple[int, int] | None = None
    fence = False

    def close_para() -> None:
        nonlocal para
        if para is not None:
            units.extend(_sentences(text, para[0], para[1], _section(path)))
            para = None

    for start, end, line in _lines(text):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = not fence
        heading = None if fence else HEADING.match(line)
        if heading:
            close_para()
            level = len(heading.group(1))
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, heading.group(2))]
            units.append(_Unit(start, end, len(WORDS.findall(line)), _section(path), True))
        elif not stripped and not fence:
            close_para()
        elif stripped.startswith("|") and not fence:
            close_para()
            units.append(_Unit(start, end, len(WORDS.findall(line)), _section(path)))
        else:
            para = (para[0] if para else start + len(line) - len(line.lstrip()), end)
    close_para()
    return units


def _section(path: list[tuple[int, str]]) -> str:
    return " > ".join(t for _, t in path)


def _split_long(unit: _Unit, text: str, size: int) -> list[_Unit]:
    spans = [m.span() for m in WORDS.finditer(text, unit.start, unit.end)]
    out = []
    for i in range(0, len(spans), size):
        part = spans[i : i + size]
        out.append(_Unit(part[0][0], part[-1][1], len(part), unit.section))
    return out


def chunk_text(text: str, size: int, overlap: int) -> list[Chunk]:
    """Pack units into chunks of at most ``size`` words, repeating ~``overlap`` words."""
    units: list[_Unit] = []
    for u in _units(text):
        units.extend(_split_long(u, text, size) if u.words > size else [u])
    chunks: list[Chunk] = []
    current: list[_Unit] = []

    def flush() -> None:
        if current and not all(u.heading for u in current):
            s, e = current[0].start, current[-1].end
            chunks.append(Chunk(len(chunks), current[-1].section, s, e, text[s:e]))

    for unit in units:
        total = sum(u.words for u in current)
        if current and (unit.heading or unit.section != current[-1].section):
            flush()
            current = []
        elif current and total + unit.words > size:
            flush()
            current = _tail(current, overlap, size - unit.words)
        current.append(unit)
    flush()
    return chunks


def _tail(units: list[_Unit], overlap: int, room: int) -> list[_Unit]:
    """The trailing units of a full chunk that make up the overlap with the next one."""
    kept: list[_Unit] = []
    words = 0
    for u in reversed(units):
        if u.heading or words + u.words > min(overlap, room):
            break
        kept.insert(0, u)
        words += u.words
    return kept
