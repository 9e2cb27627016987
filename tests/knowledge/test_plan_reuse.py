"""Work kept between requests (issue 12's speed work): a repeated question's plan and a
passage set's prepared sources. Kept only while what they were made from is served."""

from __future__ import annotations

from pathlib import Path

from tests.knowledge.test_query_understanding import knowledge_over

from stanchion.knowledge.grounding import Validator
from stanchion.knowledge.spec import Grounding
from stanchion.store.crypto import Cipher
from stanchion.store.db import Store

LAMP = "how much does the orbit lamp cost?"


async def test_a_repeated_question_is_planned_once_per_index_sync(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    first = await kn.plan([LAMP], 3)
    assert first.decision == "answer" and "35 EUR" in first.passages[0].text
    assert await kn.plan([LAMP], 3) is first
    assert await kn.plan([LAMP], 2) is not first  # another k, another plan
    assert await kn.plan(["hi", LAMP], 3) is not first  # another conversation too
    await kn.retire("docs/lamp.md", None, "owner")
    after = await kn.plan([LAMP], 3)
    assert after is not first
    assert all(p.doc_id != "docs/lamp.md" for p in after.passages)
    kn.close()


async def test_a_resync_drops_the_kept_plans(store: Store, cipher: Cipher, app_dir: Path) -> None:
    kn = await knowledge_over(store, cipher, app_dir)
    before = await kn.plan([LAMP], 3)
    stale = kn.retriever.synced
    await kn.retriever.refresh(force=True)  # an operator's re-sync: same versions, new index
    assert kn.retriever.synced is not stale
    plan = await kn.plan([LAMP], 3)
    assert plan is not before and plan.passages == before.passages
    assert await kn.plan([LAMP], 3) is plan
    kn.close()


def test_prepared_sources_are_shared_and_check_the_same() -> None:
    texts = ["The Orbit Lamp costs 35 EUR.", "It dims from 1 to 100 percent."]
    kept, fresh = Validator(Grounding()), Validator(Grounding())
    assert kept.source(list(texts)) is kept.source(list(texts))
    answer = "The Orbit Lamp costs 45 EUR and dims fully."
    for _ in range(2):
        a, b = kept.validate(answer, texts), fresh.validate(answer, list(texts))
        assert a.to_record() == b.to_record() and a.score == b.score


async def test_a_megabyte_message_is_planned_on_its_first_characters_only(
    store: Store, cipher: Cipher, app_dir: Path
) -> None:
    """A hostile 1 MB message of unknown words (each ~130 us to parse, under the GIL) and
    one 300,000-letter token (its spelling deletions grow as n^2) plan in well under a
    second: a turn is read up to QUESTION_CHARS, and no token past 40 letters is mended."""
    import time

    kn = await knowledge_over(store, cipher, app_dir)

    async def cpu(text: str) -> float:
        started = time.process_time()
        assert (await kn.plan([text], 3)).parts
        return time.process_time() - started

    def words(stem: str, n: int) -> str:
        return " ".join(f"{stem}{i}xv" for i in range(n))

    # a message just over QUESTION_CHARS, then one 130 times longer: read alike
    at_limit = await cpu(f"{LAMP} {'j' * 3_000} {words('zr', 1_000)}")
    megabyte = await cpu(f"{LAMP} {'k' * 300_000} {words('zq', 150_000)}")
    assert megabyte <= 10 * at_limit + 0.05, (megabyte, at_limit)
    kn.close()
