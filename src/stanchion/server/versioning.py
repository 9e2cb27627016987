"""The routes of issue 5 (versions, labels, approvals, feedback, review), one table that
``server/app.py`` appends to its own."""

from __future__ import annotations

from starlette.routing import Route

from stanchion.server import feedback, review
from stanchion.server import registry_routes as reg


def routes() -> list[Route]:
    """Issue 5: versions, labels, approvals, feedback, the review queue."""
    base = "/admin/registry/{kind}"
    return [
        Route(f"{base}/versions", reg.versions_list_ep, methods=["GET"], name="registry_versions"),
        Route(f"{base}/versions", reg.version_push_ep, methods=["POST"], name="registry_push"),
        Route(
            f"{base}/versions/{{ref}}",
            reg.version_show_ep,
            methods=["GET"],
            name="registry_version",
        ),
        Route(
            f"{base}/versions/{{ref}}/approve",
            reg.version_approve_ep,
            methods=["POST"],
            name="registry_approve",
        ),
        Route(
            f"{base}/versions/{{ref}}/reject",
            reg.version_reject_ep,
            methods=["POST"],
            name="registry_reject",
        ),
        Route(f"{base}/diff", reg.versions_diff_ep, methods=["GET"], name="registry_diff"),
        Route(f"{base}/labels", reg.labels_list_ep, methods=["GET"], name="registry_labels"),
        Route(
            f"{base}/labels/{{label}}",
            reg.label_move_ep,
            methods=["PUT"],
            name="registry_label_move",
        ),
        Route(
            f"{base}/labels/{{label}}/rollback",
            reg.label_rollback_ep,
            methods=["POST"],
            name="registry_rollback",
        ),
        Route(
            "/admin/reports/versions",
            reg.versions_report_ep,
            methods=["GET"],
            name="report_versions",
        ),
        Route("/v1/feedback", feedback.post_feedback_ep, methods=["POST"], name="feedback"),
        Route(
            "/v1/traces/{trace_id}/answer", review.answer_ep, methods=["GET"], name="trace_answer"
        ),
        Route("/admin/review", review.queue_list_ep, methods=["GET"], name="review_list"),
        Route(
            "/admin/review/{trace_id}", review.queue_show_ep, methods=["GET"], name="review_show"
        ),
        Route(
            "/admin/review/{trace_id}/claim",
            review.queue_claim_ep,
            methods=["POST"],
            name="review_claim",
        ),
        Route(
            "/admin/review/{trace_id}/{action}",
            review.queue_decide_ep,
            methods=["POST"],
            name="review_decide",
        ),
    ]
