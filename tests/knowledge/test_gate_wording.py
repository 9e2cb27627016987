"""The wording of a messy message, read before the answerability gate weighs it (issue 15):
typos of stop words, an opening label, typos read against the passages. Every example is
invented for these tests."""

from __future__ import annotations

from tests.linear import grows_linearly

from stanchion.knowledge.answerability import assess, missing_names
from stanchion.knowledge.query import Glossary, Vocabulary, parse
from stanchion.knowledge.text import stem
from stanchion.knowledge.wording import lead_in, light_wording, read_typos, unworded

# "what" and "random" are indexed but rare, as in a corpus of encyclopaedia passages
VOCAB = Vocabulary(
    40,
    {"what": 1, "random": 1, "q": 1, "arena": 2, "london": 6, "storm": 3, "drain": 2},
)
VOCAB_STORY = Vocabulary(40, {**dict(VOCAB.df), "story": 30})  # "storh" mends to "story"
ARENA = [("The Arena", "The arena is a concert hall in east London.")]
DRAIN = [("Drains", "A storm drain carries rain water to the nearest river.")]


def _score(text: str, passages: list[tuple[str, str]], vocab: Vocabulary = VOCAB) -> float:
    return assess(parse(text, vocab, Glossary({})), vocab, passages).score


def test_a_typo_of_a_stop_word_weighs_as_the_stop_word() -> None:
    """'whzt' is mended to 'what', which the corpus holds rarely: it must not weigh the
    most of the question's words."""
    query = parse("whzt part of london is the arena in", VOCAB, Glossary({}))
    # the parse drops it as it drops "what" itself, so retrieval does not search it either
    assert not any(c.key == "what" for c in query.concepts)
    assert unworded(query) == query
    clean = _score("what part of london is the arena in", ARENA)
    assert _score("whzt part of london is the arena in", ARENA) == clean


def test_an_opening_label_is_not_what_is_asked() -> None:
    clean = _score("where is the arena in london", ARENA)
    assert _score("random q: where is the arena in london", ARENA) == clean
    assert _score("random q - where is the arena in london", ARENA) == clean


def test_a_label_that_is_the_subject_stays() -> None:
    """Nothing known is left after the label: the label was what the question is about."""
    query = parse("the arena - where is it?", VOCAB, Glossary({}))
    assert lead_in(query) == query


def test_a_label_does_not_hide_a_missing_name() -> None:
    vocab = Vocabulary(20, {"ship": 4, "canada": 1, "day": 9, "random": 1})
    query = parse("random q: do you ship to Australia?", vocab, Glossary({}))
    found = assess(query, vocab, [("Shipping", "We ship to Canada in 5 days.")])
    assert found.score == 0 and found.missing == ["australia"]


def test_a_typo_is_read_as_the_passage_word_one_edit_away() -> None:
    """The corpus mends 'storh' to its commonest neighbour 'story'; the passage about storm
    drains says which word was meant."""
    query = parse("where does a storh drain go", VOCAB_STORY, Glossary({}))
    typo = next(c for c in query.concepts if c.words == "storh")
    assert typo.alts == (("story",),)
    read = read_typos(query, {"storm", "drain", "rain"})
    assert next(c for c in read.concepts if c.words == "storh").alts == (("story",), ("storm",))
    assert _score("where does a storh drain go", DRAIN, VOCAB_STORY) == _score(
        "where does a storm drain go", DRAIN, VOCAB_STORY
    )


def test_a_typo_of_a_word_the_passages_lack_stays_absent() -> None:
    query = parse("where does a storh drain go", VOCAB_STORY, Glossary({}))
    assert read_typos(query, {"drain", "river"}) == query


def test_reading_typos_grows_linearly() -> None:
    """Each typo is compared with every word of the passages once."""
    query = parse(
        "where does a storh drain go, is the wqter in the storh", VOCAB_STORY, Glossary({})
    )

    def run(n: int) -> None:
        read_typos(query, frozenset(f"s{i:04d}" for i in range(n)) | {"storm"})

    grows_linearly(run, 40000)


def test_a_hedge_is_wording_however_written() -> None:
    """'usually' (or its typo 'usualy', mended to the corpus's 'usual') is not asked: the
    answering sentence states the period, not the hedge."""
    vocab = Vocabulary(30, {"usual": 1, "delay": 3, "bag": 8, "find": 4, "hour": 6})
    passages = [("Delayed bags", "Most delayed bags are found within 48 hours.")]
    clean = _score("how long does it take to find a delayed bag", passages, vocab)
    assert _score("how long does it usualy take to find a delayd bag", passages, vocab) == clean
    assert _score("how long does it usually take to find a delayed bag", passages, vocab) == clean


def test_a_typo_after_a_brand_word_names_no_product() -> None:
    """'Lumen locatec' is a typo of 'located' beside the brand, as the parse mends it, not
    a product the corpus lacks; an unseen name still is one."""
    titles = ["Lumen Hub", "Lumen Bulb"]
    vocab = Vocabulary(20, {"lumen": 5, "hub": 3, "bulb": 3, stem("located"): 2}, titles)
    assert missing_names("where is the Lumen locatec", vocab, {"lumen", "hub"}) == []
    assert missing_names("does the Lumen Zorbax work", vocab, {"lumen", "hub"}) == ["zorbax"]


def test_a_typo_is_read_as_the_stem_of_the_english_word_meant() -> None:
    """The corpus mends 'smallet' to a term 'smaller' of its own; the passages index the stem
    'smal', two edits from what was typed and the stem of the English word meant. (It was
    'familu' when 'family' stemmed to 'fami' and 'families' to 'family': they meet now.)"""
    vocab = Vocabulary(30, {"smaller": 1, "smal": 2, "hub": 2, "model": 3})
    query = parse("which hub model is smallet", vocab, Glossary({}))
    assert next(c for c in query.concepts if c.words == "smallet").alts == (("smaller",),)
    read = read_typos(query, {"smal", "hub", "model"})
    assert ("smal",) in next(c for c in read.concepts if c.words == "smallet").alts


# "go" and "run" are indexed but rare, as in a corpus that seldom writes them
VOCAB_LIGHT = Vocabulary(40, {"ferry": 3, "go": 1, "run": 1, "night": 4, "harbour": 5})
FERRY = [("Ferries", "The night ferry leaves the harbour at ten.")]


def test_a_light_verb_is_wording_when_a_rarer_word_is_the_point() -> None:
    """'go' is a light verb the corpus writes rarely: by its IDF it would weigh the most of
    the question, and the sentence that answers has no reason to repeat it."""
    parsed = parse("does the night ferry still go", VOCAB_LIGHT, Glossary({}))
    query = light_wording(parsed, lambda c: True)
    assert [c.words for c in query.content()] == ["night", "ferry"]
    assert _score("does the night ferry still go", FERRY, VOCAB_LIGHT) == _score(
        "does the night ferry still", FERRY, VOCAB_LIGHT
    )


def test_a_light_verb_stays_beside_an_unseen_point() -> None:
    """'monorail' is unseen and could be what is asked: the light verb's absence from the
    passages is still evidence they do not answer."""
    parsed = parse("does the night monorail still go", VOCAB_LIGHT, Glossary({}))
    assert light_wording(parsed, lambda c: False) == parsed


def test_a_told_light_verb_stays() -> None:
    """'went' tells what happened: how the question is put is its present form."""
    vocab = Vocabulary(40, {**dict(VOCAB_LIGHT.df), "went": 1})
    parsed = parse("the night ferry went where", vocab, Glossary({}))
    assert light_wording(parsed, lambda c: True) == parsed


def test_a_light_verb_alone_stays_the_point() -> None:
    """Nothing rarer is known: the light word is all the question names."""
    query = parse("does it run", VOCAB_LIGHT, Glossary({}))
    assert light_wording(query, lambda c: True) == query
