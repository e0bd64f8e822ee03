"""The forum's sections of a member's data export (accounts.data_export): their posts and comments
with every earlier version, their votes, recommendations and follows, the reports they made, and
of the reports others made about their content only how many and what came of them."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from accounts.data_export import CHUNK, iso, register_export_section
from accounts.models import User

from .models import (
    Comment,
    CommentRevision,
    CommentVote,
    ContentState,
    Follow,
    Post,
    PostRevision,
    Recommendation,
    Report,
)
from .moderation import REPORTABLE


def _posts(user: User) -> list[dict[str, Any]]:
    posts = (
        Post.objects.filter(author=user)
        .select_related("section")
        .prefetch_related(
            Prefetch("revisions", queryset=PostRevision.objects.order_by("created_at", "pk"))
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": post.pk,
            "title": post.title,
            "section": post.section.name,
            "body": post.body,
            "status": post.status,
            "state": post.state,
            "removed_reason": post.removed_reason,
            "created_at": iso(post.created_at),
            "published_at": iso(post.published_at),
            "edited_at": iso(post.edited_at),
            "url": post.get_absolute_url(),
            "earlier_versions": [
                {
                    "title": revision.title,
                    "body": revision.body,
                    "written_at": iso(revision.created_at),
                    "replaced_at": iso(revision.replaced_at),
                }
                for revision in post.revisions.all()
            ],
        }
        for post in posts.iterator(chunk_size=CHUNK)
    ]


def _comments(user: User) -> list[dict[str, Any]]:
    comments = (
        Comment.objects.filter(author=user)
        .select_related("post")
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.order_by("created_at", "pk"))
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": comment.pk,
            "post_id": comment.post_id,
            # The title of the discussion, as the member saw it while it stood.
            "post_title": comment.post.title if comment.post.state == ContentState.VISIBLE else "",
            "in_reply_to_comment": comment.parent_id,
            "body": comment.body,
            "state": comment.state,
            "removed_reason": comment.removed_reason,
            "upvotes": comment.upvotes,
            "downvotes": comment.downvotes,
            "created_at": iso(comment.created_at),
            "edited_at": iso(comment.edited_at),
            "earlier_versions": [
                {
                    "body": revision.body,
                    "written_at": iso(revision.created_at),
                    "replaced_at": iso(revision.replaced_at),
                }
                for revision in comment.revisions.all()
            ],
        }
        for comment in comments.iterator(chunk_size=CHUNK)
    ]


def _comment_votes(user: User) -> list[dict[str, Any]]:
    rows = (
        CommentVote.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values_list("comment_id", "comment__post_id", "value", "created_at")
    )
    return [
        {"comment_id": comment, "post_id": post, "value": value, "created_at": iso(at)}
        for comment, post, value, at in rows.iterator(chunk_size=CHUNK)
    ]


def _recommendations(user: User) -> list[dict[str, Any]]:
    rows = (
        Recommendation.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values_list("post_id", "created_at")
    )
    return [
        {"post_id": post, "created_at": iso(at)} for post, at in rows.iterator(chunk_size=CHUNK)
    ]


def _follows(user: User) -> list[dict[str, Any]]:
    rows = (
        Follow.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values_list("post_id", "following", "muted", "created_at")
    )
    return [
        {"post_id": post, "following": following, "muted": muted, "created_at": iso(at)}
        for post, following, muted, at in rows.iterator(chunk_size=CHUNK)
    ]


def _reports_made(user: User) -> list[dict[str, Any]]:
    # Who resolved a report stays out: moderators are named nowhere to members.
    rows = (
        Report.objects.filter(reporter=user)
        .order_by("created_at", "pk")
        .values_list(
            "content_type__model",
            "object_id",
            "reason",
            "detail",
            "status",
            "outcome",
            "created_at",
            "resolved_at",
        )
    )
    return [
        {
            "about": f"{model} {object_id}",
            "reason": reason,
            "detail": detail,
            "status": status,
            "outcome": outcome,
            "created_at": iso(created),
            "resolved_at": iso(resolved),
        }
        for model, object_id, reason, detail, status, outcome, created, resolved in rows.iterator(
            chunk_size=CHUNK
        )
    ]


def _reports_about_content(user: User) -> dict[str, Any]:
    """How many reports others made about what the member wrote, and what came of them: never
    who made them, nor what they said."""
    outcomes: Counter[str] = Counter()
    by_kind: dict[str, int] = {}
    models = dict(REPORTABLE)
    types = ContentType.objects.get_for_models(*models.values())
    for kind, model in models.items():
        owned = model._default_manager.filter(**{model.OWNER_FIELD: user}).values("pk")
        reports = Report.objects.filter(content_type=types[model], object_id__in=owned).exclude(
            reporter=user
        )
        kind_total = 0
        for status, outcome in reports.values_list("status", "outcome").iterator(chunk_size=CHUNK):
            outcomes[outcome or status] += 1
            kind_total += 1
        if kind_total:
            by_kind[kind] = kind_total
    return {"count": sum(by_kind.values()), "by_kind": by_kind, "outcomes": dict(outcomes)}


def register_forum_export_sections() -> None:
    register_export_section(
        "posts",
        _posts,
        description="Your posts (drafts too), as you wrote them (Markdown), with every earlier "
        "version you replaced by editing, and their state (visible, deleted, removed and why).",
        position=10,
    )
    register_export_section(
        "comments",
        _comments,
        description="Your comments, with every earlier version, and their state.",
        position=11,
    )
    register_export_section(
        "comment_votes", _comment_votes, description="Your votes on comments.", position=12
    )
    register_export_section(
        "recommendations",
        _recommendations,
        description="The posts you recommended.",
        position=13,
    )
    register_export_section(
        "follows", _follows, description="The discussions you follow or muted.", position=14
    )
    register_export_section(
        "reports_made",
        _reports_made,
        description="The reports you made, and what came of them.",
        position=15,
    )
    register_export_section(
        "reports_about_your_content",
        _reports_about_content,
        description="How many reports others made about what you wrote, and what came of them "
        "(never who made them).",
        position=16,
    )
