"""``stanchion review list|show|claim|approve|edit|reject|promote``: the review queue from
the command line (the store's owner acts as the reviewer named by --as)."""

from __future__ import annotations

from pathlib import Path

import click

from stanchion.cli.common import actor, app_option, fails_cleanly, safe, table
from stanchion.cli.prompts import open_registry, when
from stanchion.errors import NotFound

as_option = click.option("--as", "who", default=None, help="reviewer name (default: OS user)")


@click.group(name="review")
def review_group() -> None:
    """Held and low-rated answers: list, claim, approve, edit, reject, promote."""


@review_group.command("list")
@app_option
@click.option("--status", default="open", show_default=True)
@fails_cleanly
def list_(app_dir: Path, status: str) -> None:
    from stanchion.evals import review

    reg = open_registry(app_dir, "review")
    items = reg.tx(review.list_items, reg.cipher, reg.app, status)
    click.echo(
        table(
            ["trace", "reason", "status", "user", "claimed_by", "created", "question"],
            [
                (
                    i.trace_id,
                    i.reason,
                    i.status,
                    i.user,
                    i.claimed_by,
                    when(i.created_at),
                    (i.question or "")[:60],
                )
                for i in items
            ],
        )
    )


@review_group.command()
@click.argument("trace_id")
@app_option
@fails_cleanly
def show(trace_id: str, app_dir: Path) -> None:
    from stanchion.evals import review

    reg = open_registry(app_dir, "review")
    item = reg.tx(review.get_item, reg.cipher, reg.app, trace_id)
    if item is None:
        raise NotFound(f"trace {trace_id!r} is not in the review queue")
    for k, v in item.to_record().items():
        click.echo(f"{k}: {safe(v)}")


@review_group.command()
@click.argument("trace_id")
@as_option
@app_option
@fails_cleanly
def claim(trace_id: str, who: str | None, app_dir: Path) -> None:
    from stanchion.evals import review

    reg = open_registry(app_dir, "review")
    item = reg.tx(review.claim, reg.cipher, reg.app, trace_id, who or actor())
    click.echo(f"{safe(item.trace_id)}: {item.status} by {safe(item.claimed_by)}")


@review_group.command()
@click.argument("action", type=click.Choice(["approve", "edit", "reject"]))
@click.argument("trace_id")
@click.option("--content", default=None, help="the corrected answer (edit)")
@click.option("--note", default="")
@as_option
@app_option
@fails_cleanly
def decide(
    action: str, trace_id: str, content: str | None, note: str, who: str | None, app_dir: Path
) -> None:
    """approve (release as held), edit --content TEXT (release TEXT), or reject."""
    from stanchion.evals import review

    reg = open_registry(app_dir, "review")
    item = reg.tx(
        review.decide,
        reg.cipher,
        reg.app,
        trace_id,
        who or actor(),
        action,
        text=content,
        note=note,
    )
    click.echo(f"{safe(item.trace_id)}: {item.status} by {safe(item.decided_by)}")


@review_group.command()
@click.option("--dataset", required=True, help="the eval dataset to add reviewed items to")
@app_option
@fails_cleanly
def promote(dataset: str, app_dir: Path) -> None:
    """Add every edited or approved answer to an eval dataset (a new version)."""
    from stanchion.evals import review
    from stanchion.evals.datasets import Example, load_dataset, push_dataset

    reg = open_registry(app_dir, "review")
    items = [
        i
        for s in ("edited", "approved")
        for i in reg.tx(review.list_items, reg.cipher, reg.app, s, 10_000)
    ]
    try:
        _v, examples = reg.tx(load_dataset, reg.cipher, reg.app, dataset)
    except NotFound:
        examples = []
    have = {e.id for e in examples}
    new = [
        Example(
            f"review-{i.trace_id}",
            [{"role": "user", "content": i.question or ""}],
            reference=i.final,
            tags=["review", i.reason, i.status],
        )
        for i in items
        if i.question and i.final and f"review-{i.trace_id}" not in have
    ]
    version, created = reg.tx(
        push_dataset,
        reg.cipher,
        reg.app,
        dataset,
        examples + new,
        author=actor(),
        message=f"promoted {len(new)} reviewed answers",
    )
    state = "new" if created else "unchanged"
    click.echo(f"{safe(dataset)}: v{version}, +{len(new)} examples ({state})")
