"""Claims the sources contradict outright, and the speaker's own voice in dialogue."""

from __future__ import annotations

from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Grounding

SOURCES = [
    "The company is increasing its quarterly dividend to $0.13 per share. "
    "Net debt is expected to fall below $25 billion by the end of the first quarter."
]
FAITHFUL = "The company is increasing its quarterly dividend to $0.13 per share."


def test_a_number_the_sources_lack_vetoes_a_well_covered_claim() -> None:
    validator = Validator(Grounding())
    assert validator.validate(FAITHFUL, SOURCES).grounded
    v = validator.validate(FAITHFUL.replace("0.13", "0.15"), SOURCES)
    assert not v.grounded and v.claims[0].vetoed and not v.claims[0].supported
    assert "grounding.unsupported_number" in {f.type for f in v.findings}


def test_an_antonym_swap_vetoes_the_claim() -> None:
    v = Validator(Grounding()).validate(FAITHFUL.replace("increasing", "decreasing"), SOURCES)
    assert not v.grounded and v.claims[0].vetoed


def test_numbers_written_as_words_match_their_digits() -> None:
    sources = ["The duo has earned two platinum and five gold albums."]
    v = Validator(Grounding()).validate("They have earned 2 platinum and 5 gold albums.", sources)
    assert v.grounded and not v.findings


def test_personal_voice_is_unsupported_in_dialogue_only() -> None:
    sources = ["Skiing is a recreational activity and a competitive winter sport."]
    answer = "I love skiing, it is a recreational activity and a competitive winter sport."
    dialogue = Validator(Grounding(kind="dialogue")).validate(answer, sources)
    qa = Validator(Grounding(kind="qa")).validate(answer, sources)
    assert not dialogue.grounded and dialogue.claims[0].vetoed
    assert not qa.claims[0].vetoed and qa.score > dialogue.score


def test_a_question_back_is_only_vetoed_in_dialogue() -> None:
    sources = ["Refunds take 5 to 7 business days."]
    answer = "Refunds take 5 to 7 business days. Which card did you pay with?"
    assert Validator(Grounding(kind="dialogue")).validate(answer, sources).claims[1].vetoed
    assert not Validator(Grounding()).validate(answer, sources).claims[1].vetoed


def test_first_person_sources_excuse_first_person_claims() -> None:
    sources = ["I founded the company in 2001 and I still run it."]
    v = Validator(Grounding(kind="dialogue")).validate("I founded the company in 2001.", sources)
    assert v.grounded and not v.claims[0].vetoed


LIBRARY = [
    "The library opens its new reading room on the 14th of May. "
    "Visitors say the catalogue is reliable and the staff are helpful."
]


def test_a_denial_its_sentence_does_not_make_vetoes_the_claim() -> None:
    validator = Validator(Grounding())
    assert validator.validate("Visitors say the staff are helpful.", LIBRARY).grounded
    v = validator.validate("Visitors say the staff are not helpful.", LIBRARY)
    assert not v.grounded and v.claims[0].vetoed


def test_not_only_is_no_denial() -> None:
    answer = "Visitors say not only that the catalogue is reliable but the staff are helpful."
    assert not Validator(Grounding()).validate(answer, LIBRARY).claims[0].vetoed


def test_a_denial_the_sentence_shares_stands() -> None:
    sources = ["Parcels to Norway are not insured."]
    v = Validator(Grounding()).validate("Parcels to Norway are not insured.", sources)
    assert v.grounded and not v.claims[0].vetoed


def test_a_prefix_that_negates_the_sources_word_vetoes_the_claim() -> None:
    v = Validator(Grounding()).validate("Visitors say the catalogue is unreliable.", LIBRARY)
    assert not v.grounded and v.claims[0].vetoed


def test_numbers_with_a_suffix_or_unit_are_numbers() -> None:
    validator = Validator(Grounding())
    assert validator.validate("The reading room opens on the 14th of May.", LIBRARY).grounded
    v = validator.validate("The reading room opens on the 15th of May.", LIBRARY)
    assert not v.grounded and v.claims[0].vetoed
    assert "grounding.unsupported_number" in {f.type for f in v.findings}


def test_ordinals_match_their_digits() -> None:
    sources = ["Sales rose in the 3rd quarter for the 4th year running."]
    v = Validator(Grounding()).validate("Sales rose in the third quarter.", sources)
    assert v.grounded and not v.claims[0].vetoed
    swapped = Validator(Grounding()).validate("Sales rose in the fifth quarter.", sources)
    assert swapped.claims[0].vetoed
