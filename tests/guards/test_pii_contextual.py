"""The contextual PII types (dates, ages, places, organisations, NRP, titles, postal codes,
URLs), and ``guard eval --by/--leave-one-out``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stanchion.cli.guard import guard
from stanchion.guards.pii import PiiGuard
from stanchion.guards.policy import PiiSpec

CONTEXTUAL = ["date_time", "age", "location", "organization", "nrp", "title", "zip_code", "url"]
ALL = ["email", "phone", "credit_card", "address", "person", *CONTEXTUAL]


def found(text: str) -> set[tuple[str, str]]:
    guard_ = PiiGuard(PiiSpec(types=ALL))
    return {(f.type, text[f.start : f.end]) for f in guard_.check(text, None)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seen at 2007-01-17 23:08:55 by the desk", ("pii.date_time", "2007-01-17 23:08:55")),
        ("She arrived on 2/19/1956 at noon", ("pii.date_time", "2/19/1956")),
        ("The meeting is on 4 March 2021.", ("pii.date_time", "4 March 2021")),
        ("He flew out on Saturday morning", ("pii.date_time", "Saturday")),
        ("During 1980, the firm grew", ("pii.date_time", "1980")),
        ("call back at 3:45 pm", ("pii.date_time", "3:45 pm")),
        ("Mr. Pálffy is a 19 year old man", ("pii.age", "19")),
        ("my father retired at the age of 66", ("pii.age", "66")),
        ("I just turned 54", ("pii.age", "54")),
        ("She grew up in Kajaani, Finland", ("pii.location", "Finland")),
        ("I'm in HELSINKI, at the conference", ("pii.location", "HELSINKI")),
        ("Who's coming to Czech Republic with me?", ("pii.location", "Czech Republic")),
        ("Mr. Leiva flew to Remniku on Tuesday", ("pii.location", "Remniku")),
        ("I work for Aunt Bertha Inc", ("pii.organization", "Aunt Bertha Inc")),
        ("The Vanguard Group is hiring", ("pii.organization", "The Vanguard Group")),
        (
            "Tomomi is from Hawkins, Richardson and Santana",
            ("pii.organization", "Hawkins, Richardson and Santana"),
        ),
        (
            "He goes to Lincoln Elementary School.",
            ("pii.organization", "Lincoln Elementary School"),
        ),
        ("During 1971, Mayo-Walters invested heavily", ("pii.organization", "Mayo-Walters")),
        ("We met in the Norway office", ("pii.location", "Norway")),
        ("She flew to Berlin on Monday", ("pii.location", "Berlin")),
        ("He moved to Toronto with his wife Priya.", ("pii.person", "Priya")),
        ("We are proud saudis", ("pii.nrp", "saudis")),
        ("It serves great Slovenian food.", ("pii.nrp", "Slovenian")),
        ("Mr. Leiva flew to Oslo", ("pii.title", "Mr.")),
        ("Karin Beike\nLeasing consultant\nFritz-Armstrong", ("pii.title", "Leasing consultant")),
        ("my zip code is 35350", ("pii.zip_code", "35350")),
        ("see https://www.FarmerBuys.be/ now", ("pii.url", "https://www.FarmerBuys.be/")),
    ],
)
def test_contextual_types(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Version 2.3 shipped with 1500 fixes and 2048 tests.",
        "We spoke English at the European Union summit.",
        "Reading the manual takes 10 minutes.",
        "Call 555-0100 about order 12345.",
        "The policy covers all plans.",
        "We need to add Lewis Forbes as guardian",
    ],
)
def test_ordinary_text_has_no_contextual_findings(text: str) -> None:
    kinds = {t for t, _ in found(text)} & {f"pii.{t}" for t in CONTEXTUAL}
    assert not kinds, kinds


def test_numeric_dates_are_validated_and_not_inside_numbers() -> None:
    assert ("pii.date_time", "13/45/2020") not in found("ref 13/45/2020")
    assert not {t for t, v in found("order 120195 shipped") if t == "pii.date_time"}


def test_address_lines_join_into_one_span() -> None:
    text = "Send it to 6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677 please"
    spans = [v for t, v in found(text) if t == "pii.address"]
    assert spans == ["6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677"]


def test_default_types() -> None:
    """Dates, titles, ages, places, postal codes and URLs are on by default; groups and
    organisations stay opt-in (NRP's precision, the cost of organisations: docs/guards.md)."""
    default = PiiGuard(PiiSpec())
    text = "Mr. Smith, 45 years old, lives in Oslo since 2019; a Norwegian at Acme Holdings Inc."
    assert {f.type for f in default.check(text, None)} == {
        "pii.title", "pii.person", "pii.age", "pii.location", "pii.date_time"
    }  # fmt: skip


def test_towns_are_places_only_after_a_cue() -> None:
    """Towns are not looked up (every capitalised word would be a candidate): a town counts
    after a travel cue, a country or region anywhere."""
    assert ("pii.location", "Norway") in found("Sales in Norway rose")
    assert not [f for f in found("The Springfield office") if f[0] == "pii.location"]
    assert ("pii.location", "Springfield") in found("She grew up in Springfield")


def _rows(path: Path) -> Path:
    rows = [
        {"id": "a1", "dataset": "a", "text": "I just turned 54", "spans": [
            {"type": "AGE", "start": 14, "end": 16}]},
        {"id": "a2", "dataset": "a", "text": "We are proud saudis", "spans": [
            {"type": "NRP", "start": 13, "end": 19}]},
        {"id": "b1", "dataset": "b", "text": "I'm in HELSINKI now", "spans": [
            {"type": "GPE", "start": 7, "end": 15}]},
        {"id": "b2", "dataset": "b", "text": "Nothing here", "spans": []},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_guard_eval_by_source_and_leave_one_out(tmp_path: Path) -> None:
    gold = _rows(tmp_path / "pii.jsonl")
    policy = tmp_path / "policy.yaml"
    policy.write_text("detectors:\n  pii:\n    types: [age, nrp, location]\n")
    args = ["eval", str(gold), "--policy", str(policy), "--by", "source"]
    result = CliRunner().invoke(guard, [*args, "--json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.output)["groups"]
    assert set(groups) == {"a", "b"} and groups["a"]["per_type"]["AGE"]["f1"] == 1.0
    loo = CliRunner().invoke(guard, [*args, "--leave-one-out", "--json"])
    figures = json.loads(loo.output)
    assert figures["pooled"]["f1"] == 1.0 and "thresholds" in figures["groups"]["b"]
    table = CliRunner().invoke(guard, [*args, "--leave-one-out"])
    assert "pooled" in table.output and "LOCATION" in table.output


def test_leave_one_out_is_refused_for_toxicity(tmp_path: Path) -> None:
    tox = tmp_path / "tox.jsonl"
    tox.write_text(json.dumps({"id": "1", "dataset": "x", "text": "hi", "label": "neither"}) + "\n")
    result = CliRunner().invoke(guard, ["eval", str(tox), "--by", "source", "--leave-one-out"])
    assert result.exit_code == 2 and "leave-one-out" in result.output


def test_all_turns_every_type_on_once() -> None:
    every = PiiGuard(PiiSpec(types=["all"]))
    names = [type(r).__name__ for r in every.recognisers]
    assert len({id(r) for r in every.recognisers}) == len(names) == 19
    assert {"LocationRecogniser", "HouseNumberLine", "AgeRecogniser"} <= set(names)
    assert ("pii.age", "45") in {
        (f.type, t[f.start : f.end])
        for t in ["Mr. Smith is 45 years old"]
        for f in every.check(t, None)
    }


def test_types_the_policy_allows_in_answers_are_not_looked_for_there() -> None:
    """A date or a place in an answer is its content: with the default rules the output
    scan skips those recognisers (they cost a third of it); a rule that acts on them in
    answers brings them back."""
    from stanchion.guards.engine import build_guard_engine
    from stanchion.guards.policy import GuardPolicySpec

    def pii_types(policy: GuardPolicySpec | None, direction: str) -> set[str]:
        engine = build_guard_engine(policy, Path("."))
        (pii,) = [g for g in engine.guards[direction] if g.name == "pii"]  # type: ignore[index]
        return {r.type for r in pii.recognisers}  # type: ignore[attr-defined]

    assert {"pii.location", "pii.date_time"} <= pii_types(None, "input")
    out = pii_types(None, "output")
    assert "pii.location" not in out and "pii.date_time" not in out and "pii.email" in out
    rule = {"match": "pii.location", "direction": "output", "action": "redact"}
    redacting = GuardPolicySpec.model_validate({"rules": [rule]})
    assert "pii.location" in pii_types(redacting, "output")
