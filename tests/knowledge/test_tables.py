"""Tables in documents: each row read with its column names, by the gate and the responder.

A fee table written for these tests (a ferry company)."""

from __future__ import annotations

from stanchion.knowledge.answerability import passage_bags
from stanchion.knowledge.tables import readable
from stanchion.providers.local.answer import answer
from stanchion.providers.local.sentences import Analyzer

FEES = """## Vehicle fares
Fares are per crossing.

| Vehicle | Off-peak | Peak |
|:--|--:|--:|
| Car | $40 | $55 |
| Campervan over 6 m | $70 | $95 |
| Bicycle | free | $5 |

Peak is Friday to Sunday."""


def test_rows_read_with_their_column_names() -> None:
    lines = readable(FEES).splitlines()
    assert "Vehicle: Car; Off-peak: $40; Peak: $55." in lines
    assert "Vehicle: Bicycle; Off-peak: free; Peak: $5." in lines
    assert not any(line.startswith("|") for line in lines)  # header and rule fold in
    assert lines[-1] == "Peak is Friday to Sunday."  # prose stays as written


def test_a_table_cut_from_its_header_keeps_its_cells() -> None:
    assert readable("| Car | $40 | $55 |") == "Car; $40; $55."
    assert readable("a | b, no table") == "a | b, no table"
    assert readable("| x |\n|---|\n") == ""  # a header with no rows says nothing


def test_the_gate_sees_a_row_with_its_headers() -> None:
    # "peak fare for a campervan": 'peak' is a column name, 'campervan' a row's cell
    _, sentences = passage_bags("Ferry fares", FEES)
    row = next(b for b in sentences if "campervan" in b)
    assert {"peak", "campervan", "vehicl"} <= row


def test_the_responder_answers_with_the_row_not_the_markup() -> None:
    found = answer("peak fare for a campervan?", [FEES], titles=["Fares"], analyzer=Analyzer())
    assert not found.refused
    assert "Campervan over 6 m" in found.text and "$95" in found.text
    assert "|" not in found.text
