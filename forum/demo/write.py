"""The demo's database writes: what forum.demo.plan decided, saved in bulk for speed.

Members, posts, recommendations and votes go in with ``bulk_create``; comment trees through
forum.bulk, which computes their MPTT fields. Counters are derived from the rows actually created:
``comment_count``, ``recommendation_count`` and ``hot`` on posts; ``upvotes``/``downvotes``/
``score``/``confidence`` on comments. The moderation history goes through the real moderation
services instead, so the log, the queue and members' notifications are what use would leave.
No randomness here: every choice was made in plan.py.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from accounts.demo import DEMO_PASSWORD, MEMBERS
from accounts.models import Affiliation, User

from ..bulk import TreeNode, bulk_create_trees
from ..limits import is_new_member
from ..markup import render_markdown
from ..models import (
    Comment,
    CommentVote,
    ContentState,
    Post,
    Recommendation,
    Section,
    hot_score,
    wilson_lower_bound,
)
from .corpus import EXTRA_MEMBERS, SECTION_NAMES
from .plan import MemberPlan, ModerationPlan, Node, PostPlan

# Members ------------------------------------------------------------------------------------------


def existing_members() -> set[str]:
    """Which of the EXTRA_MEMBERS are already in the database."""
    return set(
        User.objects.filter(username__in=[m[0] for m in EXTRA_MEMBERS]).values_list(
            "username", flat=True
        )
    )


def write_members(planned: list[MemberPlan]) -> list[User]:
    """Create the planned members, each with a verified email address. Returns them in the order
    the database lists them (which plan_affiliations draws in)."""
    if not planned:
        return []
    password = make_password(DEMO_PASSWORD)  # hashed once: slow on purpose, shared on purpose
    User.objects.bulk_create(
        User(
            username=member.username,
            email=f"{member.username}@example.org",
            password=password,
            display_name=member.display_name,
            bio=member.bio,
            date_joined=member.joined,
            privacy_accepted_at=member.joined,
        )
        for member in planned
    )
    new = list(User.objects.filter(username__in=[member.username for member in planned]))
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in new
    )
    return new


def write_affiliations(users: list[User], planned: list[tuple[str, str, str, str]]) -> None:
    """Save plan_affiliations' choices, consented to when each member joined."""
    by_name = {user.username: user for user in users}
    Affiliation.objects.bulk_create(
        Affiliation(
            user=by_name[username],
            kind=kind,
            name=name,
            visibility=visibility,
            consented_at=by_name[username].date_joined,
        )
        for username, kind, name, visibility in planned
    )


def demo_speakers() -> list[User]:
    """Only demo accounts speak in the demo: never put words in a real member's mouth."""
    demo_names = [m[0] for m in MEMBERS] + [m[0] for m in EXTRA_MEMBERS]
    return list(User.objects.filter(username__in=demo_names, is_active=True).order_by("pk"))


def ensure_sections() -> dict[str, Section]:
    sections = {s.slug: s for s in Section.objects.all()}
    for position, (slug, name) in enumerate(SECTION_NAMES.items(), start=1):
        if slug not in sections:  # normally created by migration 0003
            sections[slug] = Section.objects.create(name=name, slug=slug, position=position)
    return sections


# Posts, comments, votes ---------------------------------------------------------------------------


def write_forum(plans: list[PostPlan], sections: dict[str, Section]) -> dict[str, int]:
    """Save the planned posts (in the order of ``plans``: oldest first, so primary keys follow
    the timeline), their recommendations, comment trees and votes. Sets each plan's ``post``."""
    rendered: dict[str, str] = {}

    def html(text: str) -> str:
        if text not in rendered:
            rendered[text] = render_markdown(text)
        return rendered[text]

    posts = []
    for plan in plans:
        published = plan.published_at is not None
        last = max((n.created_at for n in plan.nodes), default=plan.published_at or plan.created_at)
        plan.post = Post(
            section=sections[plan.section],
            author_id=plan.author_id,
            title=plan.title,
            slug=slugify(plan.title)[:80] or "post",
            body=plan.body,
            body_html=html(plan.body),
            status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
            is_promoted=plan.promoted,
            is_locked=plan.locked,
            comment_count=len(plan.nodes),
            recommendation_count=plan.recommendations if published else 0,
            hot=(
                hot_score(plan.recommendations, plan.published_at)
                if plan.published_at is not None
                else 0.0
            ),
            created_at=plan.created_at,
            published_at=plan.published_at,
            last_activity_at=last,
        )
        posts.append(plan.post)
    Post.objects.bulk_create(posts, batch_size=500)
    recommendations = [
        Recommendation(post=plan.post, user_id=user_id, created_at=when)
        for plan in plans
        for user_id, when in plan.recommended
    ]
    Recommendation.objects.bulk_create(recommendations, batch_size=2000)

    # Comments: each top-level comment is its own tree, numbered in the order they were written.
    saved: dict[Node, TreeNode] = {}

    def tree(plan: PostPlan, node: Node) -> TreeNode:
        up = sum(1 for _, value, _ in node.votes if value == 1)
        down = len(node.votes) - up
        saved[node] = TreeNode(
            {
                "post_id": plan.post.pk,
                "author_id": node.author_id,
                "body": node.body,
                "body_html": html(node.body),
                "state": node.state,
                "upvotes": up,
                "downvotes": down,
                "score": up - down,
                "confidence": wilson_lower_bound(up, down),
                "created_at": node.created_at,
            },
            [tree(plan, child) for child in node.children],
        )
        return saved[node]

    roots = [(plan, node) for plan in plans for node in plan.nodes if node.parent is None]
    roots.sort(key=lambda pair: pair[1].created_at)
    # Primary keys: level by level, posts in order, each post's comments oldest first.
    bulk_create_trees(
        [tree(plan, node) for plan, node in roots],
        order=lambda t: (t.values["post_id"], t.values["created_at"]),
    )

    votes = [
        CommentVote(comment_id=pk, user_id=user_id, value=value, created_at=when)
        for plan in plans
        for node in plan.nodes
        if (pk := saved[node].pk) is not None  # (bulk_create_trees gave every node its pk)
        for user_id, value, when in node.votes
    ]
    CommentVote.objects.bulk_create(votes, batch_size=2000)

    all_nodes = [node for plan in plans for node in plan.nodes]
    return {
        "posts": len(posts),
        "drafts": sum(1 for p in plans if p.published_at is None),
        "comments": len(all_nodes),
        "deleted": sum(1 for node in all_nodes if node.state == ContentState.DELETED),
        "max_level": max(node.level for node in all_nodes),
        "votes": len(votes),
        "recommendations": len(recommendations),
    }


# Moderation ---------------------------------------------------------------------------------------


def moderation_candidates() -> tuple[dict[str, User], list[User], list[Comment]]:
    """The moderator and others by name, the reporters, and the comments plan_moderation picks from.

    Reporters are demo members (never a real account) past their first FORUM_NEW_MEMBER_HOURS:
    only established members' reports count toward hiding an item. Reported, removed and
    suspended: generated members only, so the named accounts the demo is explored with (alice,
    bob, olu...) are never suspended.
    """
    users = {u.username: u for u in User.objects.filter(username__in=["maya", "bob", "chen"])}
    named = [m[0] for m in MEMBERS]
    demo_names = named + [m[0] for m in EXTRA_MEMBERS]
    candidates = (
        User.objects.filter(username__in=demo_names, is_staff=False, is_active=True)
        .exclude(username__in=users)
        .order_by("pk")
    )
    reporters = [user for user in candidates if not is_new_member(user)][:6]
    comments = list(
        Comment.objects.filter(state="visible", level__gte=1)
        .exclude(author__in=reporters)
        .exclude(author__username__in=named)
        .filter(author__username__in=demo_names)
        .select_related("post", "author")
        .order_by("pk")[:400]
    )
    return users, reporters, comments


def write_moderation(
    users: dict[str, User],
    reporters: list[User],
    picks: ModerationPlan[Comment],
    plans: list[PostPlan],
) -> str:
    """A few reports and moderator actions, made through the real moderation services so the log,
    the queue and members' notifications look as they would after some weeks of use."""
    from .. import moderation  # imports services; kept local so demo import stays light

    maya = users["maya"]
    # Reports waiting in the queue: one item reported by two members, one by one.
    for reporter in reporters[:2]:
        moderation.report_create(
            actor=reporter,
            target=picks.reported_twice,
            reason="off_topic",
            detail="Derails the thread.",
        )
    moderation.report_create(actor=reporters[2], target=picks.reported_once, reason="spam")
    # Three reports hide a comment until a moderator looks.
    for reporter in reporters[3:6]:
        moderation.report_create(actor=reporter, target=picks.hidden, reason="abuse")
    # Decisions already taken, in the public log.
    attack, address = picks.removed
    moderation.content_remove(
        actor=maya, target=attack, reason="Personal attack on another member."
    )
    moderation.content_remove(actor=maya, target=address, reason="Shares a member's home address.")
    locked = next((p.post for p in plans if p.post.is_locked), None)
    if locked is not None:
        Post.objects.filter(pk=locked.pk).update(is_locked=False)
        locked.refresh_from_db()
        moderation.post_set_locked(
            actor=maya, post=locked, locked=True, reason="The selection is now a legal matter."
        )
    suspended = picks.suspended_author_of.author
    moderation.member_suspend(
        actor=maya,
        member=suspended,
        until=timezone.now() + timedelta(days=3),
        reason="Repeated personal attacks after a warning.",
    )
    return (
        "3 items reported (1 hidden by reports), 2 comments removed, 1 thread locked, "
        f"@{suspended.username} suspended for 3 days."
    )
