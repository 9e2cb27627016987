"""The ``stanchion`` command: one group per concern, each in its own module.

Command modules import what a command needs inside the command (the store, the guards, the
knowledge): every ``stanchion`` process loads all the modules to find its command, and at
the top they cost about 1.8 s of CPU to start even ``--help``. Names only used in
annotations are imported under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import click

from stanchion import __version__
from stanchion.cli.alerts import alerts
from stanchion.cli.ask import ask
from stanchion.cli.audit_export import checkpoint_cmd, export_cmd
from stanchion.cli.canary import canary
from stanchion.cli.db import audit, db
from stanchion.cli.evals import evals
from stanchion.cli.guard import guard
from stanchion.cli.init import init
from stanchion.cli.keys import keys
from stanchion.cli.knowledge import docs, ground, ingest, retrieval
from stanchion.cli.models import models
from stanchion.cli.prompts import prompts
from stanchion.cli.report import report
from stanchion.cli.retention import retention
from stanchion.cli.review import review_group
from stanchion.cli.rollout import readiness_cmd, rollout, signoff, signoffs_list
from stanchion.cli.serve import quickstart, serve
from stanchion.cli.spec import spec
from stanchion.cli.subjects import subjects
from stanchion.cli.traces import traces


@click.group()
@click.version_option(__version__, prog_name="stanchion")
def cli() -> None:
    """stanchion: take a generative-AI app from proof of concept to production."""


for command in (
    quickstart,
    serve,
    ask,
    keys,
    db,
    audit,
    report,
    spec,
    ingest,
    docs,
    ground,
    retrieval,
    guard,
    prompts,
    models,
    review_group,
    evals,
    traces,
    init,
    rollout,
    signoff,
    signoffs_list,
    readiness_cmd,
    canary,
    alerts,
    subjects,
    retention,
):
    cli.add_command(command)


audit.add_command(export_cmd)
audit.add_command(checkpoint_cmd)


def main() -> None:
    cli(prog_name="stanchion")
