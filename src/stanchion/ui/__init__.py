"""The console, served under ``/ui`` by ``stanchion serve``: server-rendered pages for the
people who must trust the app (owners, reviewers, security, pilot users).

    Starlette(routes=[*api_routes, console_mount()])
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from stanchion.ui import (
    audit,
    evals,
    knowledge,
    overview,
    playground,
    readiness,
    registry,
    review,
    signin,
    traces,
)
from stanchion.ui.web import Console

STATIC = Path(__file__).parent / "static"


def console_routes(ui: Console) -> list[Route | Mount]:
    page = ui.page
    login_get, login_post = partial(signin.login_get, ui), partial(signin.login_post, ui)
    login_get.permission = login_post.permission = "public"  # type: ignore[attr-defined]
    return [
        Route("/login", login_get, methods=["GET"], name="ui_login"),
        Route("/login", login_post, methods=["POST"], name="ui_login_post"),
        Route("/logout", page(None, partial(signin.logout, ui)), methods=["POST"]),
        Route("/", page(None, partial(signin.home, ui)), methods=["GET"]),
        Route("/overview", page("reports.read", partial(overview.overview, ui)), methods=["GET"]),
        Route("/traces", page("chat", partial(traces.trace_list, ui)), methods=["GET"]),
        Route("/traces/{trace_id}", page("chat", partial(traces.trace_page, ui)), methods=["GET"]),
        Route("/playground", page("chat", partial(playground.playground, ui)), methods=["GET"]),
        Route("/playground/ask", page("chat", partial(playground.ask, ui)), methods=["POST"]),
        Route("/playground/rate", page("feedback", partial(playground.rate, ui)), methods=["POST"]),
        Route("/review", page("review", partial(review.queue, ui)), methods=["GET"]),
        Route("/review/{trace_id}", page("review", partial(review.item_page, ui)), methods=["GET"]),
        Route(
            "/review/{trace_id}/claim",
            page("review", partial(review.claim, ui)),
            methods=["POST"],
        ),
        Route(
            "/review/{trace_id}/decide",
            page("review", partial(review.decide, ui)),
            methods=["POST"],
        ),
        Route("/audit", page("audit.read", partial(audit.audit_log, ui)), methods=["GET"]),
        Route(
            "/registry/{kind}",
            page("prompts.read", partial(registry.registry_page, ui)),
            methods=["GET"],
        ),
        Route(
            "/registry/{kind}/diff",
            page("prompts.read", partial(registry.diff_page, ui)),
            methods=["GET"],
        ),
        Route(
            "/registry/{kind}/decide",
            page("prompts.approve", partial(registry.decide, ui)),
            methods=["POST"],
        ),
        Route(
            "/registry/{kind}/move",
            page("prompts.manage", partial(registry.move, ui)),
            methods=["POST"],
        ),
        Route("/evals", page("reports.read", partial(evals.experiment_list, ui)), methods=["GET"]),
        Route(
            "/evals/compare",
            page("reports.read", partial(evals.compare_page, ui)),
            methods=["GET"],
        ),
        Route(
            "/evals/{exp}",
            page("reports.read", partial(evals.experiment_page, ui)),
            methods=["GET"],
        ),
        Route(
            "/knowledge",
            page("knowledge.approve", partial(knowledge.documents, ui)),
            methods=["GET"],
        ),
        Route(
            "/knowledge/doc",
            page("knowledge.approve", partial(knowledge.document, ui)),
            methods=["GET"],
        ),
        Route(
            "/knowledge/change",
            page("knowledge.approve", partial(knowledge.change, ui)),
            methods=["POST"],
        ),
        Route(
            "/readiness",
            page("reports.read", partial(readiness.readiness_page, ui)),
            methods=["GET"],
        ),
        Route(
            "/readiness/signoff",
            page("prompts.approve", partial(readiness.signoff, ui)),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(directory=STATIC), name="ui_static"),
    ]


def console_mount() -> Mount:
    """The whole console as one mount; templates are loaded once, here."""
    return Mount("/ui", routes=console_routes(Console()), name="ui")
