from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey

from accounts.links import fast_reverse

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

# Hot ranking: log10(recommendations + 1) + seconds since HOT_EPOCH / HOT_DECAY_SECONDS.
# Every 12.5 hours a post is younger counts as much as ten times the recommendations (Reddit's formula);
# the value changes only when a post is published or recommended, so it is stored and indexed.
HOT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HOT_DECAY_SECONDS = 45_000


def hot_score(recommendations: int, published_at: datetime) -> float:
    return math.log10(recommendations + 1) + (
        (published_at - HOT_EPOCH).total_seconds() / HOT_DECAY_SECONDS
    )


def wilson_lower_bound(up: int, down: int, z: float = 1.281551565545) -> float:
    """Lower bound of the 80% Wilson score interval for the share of up-votes ("best" order).

    A comment with 5 up and 0 down ranks above one with 60 up and 40 down: confidence, not volume.
    """
    n = up + down
    if n == 0:
        return 0.0
    phat = up / n
    return (phat + z * z / (2 * n) - z * math.sqrt((phat * (1 - phat) + z * z / (4 * n)) / n)) / (
        1 + z * z / n
    )


class ContentState(models.TextChoices):
    # The labels are the one wording of what members see instead of content that no longer
    # stands (Moderatable.moderation_heading and .moderation_placeholder).
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden after reports"
    DELETED = "deleted", "Deleted by its author"
    REMOVED = "removed", "Removed by a moderator"


# What a placeholder adds to its state's label: the removal's reason, or when hiding ends.
# (Keyed by str: `state` holds the value, which equals its ContentState.)
_PLACEHOLDER_DETAIL: dict[str, str] = {ContentState.HIDDEN: ", until a moderator reviews it"}


class Moderatable(models.Model):
    """The moderation contract: what forum.moderation needs of anything members report and
    moderators hide, remove and restore (posts, comments and campaigns today).

    A kind joins by subclassing this (it brings `state` and `removed_reason`), naming the foreign
    key of the member it belongs to in OWNER_FIELD, writing `moderation_label`, and registering
    with `forum.moderation.register_reportable`, which takes its after-moderation hook. The
    predicates here (`can_report`, `can_moderate`) are the rules; views, services and templates
    ask them instead of re-deriving them.
    """

    OWNER_FIELD: ClassVar[str] = "author"
    # Whether moderating it goes in the public moderation log (private messages don't).
    MODERATION_IS_PUBLIC: ClassVar[bool] = True

    state = models.CharField(
        max_length=10, choices=ContentState.choices, default=ContentState.VISIBLE
    )
    removed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        """Its page (the report and moderation pages go back there)."""
        raise NotImplementedError

    @property
    def is_visible(self) -> bool:
        return self.state == ContentState.VISIBLE

    @property
    def owner_id(self) -> int:
        owner_id: int = getattr(self, f"{self.OWNER_FIELD}_id")
        return owner_id

    def is_owned_by(self, user: User | AnonymousUser) -> bool:
        return user is not None and user.is_authenticated and user.pk == self.owner_id

    @property
    def moderation_label(self) -> str:
        """How the public moderation log names it: never its title or text, which may be what
        was removed."""
        raise NotImplementedError

    @property
    def moderation_excerpt(self) -> str:
        """What report lists and moderation pages quote of it (escaped): its text, by default."""
        return str(getattr(self, "body", ""))

    @property
    def moderation_heading(self) -> str:
        """What stands in for its title or author's name once it no longer stands."""
        if self.is_visible:
            return ""
        return f"[{ContentState(self.state).label.lower()}]"

    @property
    def moderation_placeholder(self) -> str:
        """What stands in for its text: "[removed by a moderator: <reason>]" and the like."""
        if self.is_visible:
            return ""
        detail = _PLACEHOLDER_DETAIL.get(self.state, "")
        if self.state == ContentState.REMOVED and self.removed_reason:
            detail = f": {self.removed_reason}"
        return f"[{ContentState(self.state).label.lower()}{detail}]"

    def is_someone_elses(self, user: User | AnonymousUser | None) -> bool:
        """The user is a member, and not its owner (anonymous visitors own nothing, may do
        nothing)."""
        return user is not None and user.is_authenticated and not self.is_owned_by(user)

    def is_visible_to(self, user: User | AnonymousUser) -> bool:
        """Whether the user may know it exists at all (a draft, say, is its authors' only)."""
        return True

    def can_report(self, user: User | AnonymousUser) -> bool:
        """A member may report what still stands (or is hidden pending review), not their own."""
        return (
            self.state in (ContentState.VISIBLE, ContentState.HIDDEN)
            and self.is_someone_elses(user)
            and self.is_visible_to(user)
        )

    def can_moderate(self, user: User | AnonymousUser) -> bool:
        return user is not None and user.is_authenticated and user.is_moderator


class AuthoredContent(Moderatable):
    """Moderatable content that its author alone edits and deletes, while it stands (posts and
    comments). Its history is the author's and the moderators' to read."""

    class Meta:
        abstract = True

    def can_edit(self, user: User | AnonymousUser) -> bool:
        return self.is_owned_by(user) and self.is_visible

    def can_delete(self, user: User | AnonymousUser) -> bool:
        return self.is_owned_by(user) and self.is_visible

    def can_see_history(self, user: User | AnonymousUser) -> bool:
        return self.is_owned_by(user) or self.can_moderate(user)


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return fast_reverse("forum:section", self.slug)


# What PostQuerySet.listed() filters on (also the condition of the lists' partial indexes).
LISTED = Q(status="published", state="visible")


class PostQuerySet(models.QuerySet["Post"]):
    def listed(self) -> PostQuerySet:
        """Published posts that still stand: what lists and the front page show."""
        return self.filter(status=Post.Status.PUBLISHED, state=ContentState.VISIBLE)

    def visible_to(self, user: User | AnonymousUser | None) -> PostQuerySet:
        """Posts a user may open: every published post (deleted ones as placeholders), own drafts."""
        published = Q(status=Post.Status.PUBLISHED)
        if user is not None and user.is_authenticated:
            return self.filter(published | Q(author=user))
        return self.filter(published)

    def for_listing(self) -> PostQuerySet:
        return self.select_related("author", "section").defer("body", "body_html")


# The search index column (forum.search_schema) is the database's to write and to read: rows are
# read without it (it would double the bytes of a thread page).
SEARCH_VECTOR = "search_vector"


def search_vector_field() -> SearchVectorField:
    """Filled by a trigger on PostgreSQL (null on SQLite, which indexes in an FTS5 table)."""
    return SearchVectorField(null=True, editable=False)


_PostManagerBase = models.Manager.from_queryset(PostQuerySet)


class PostManager(_PostManagerBase["Post"]):
    def get_queryset(self) -> PostQuerySet:
        return cast(PostQuerySet, super().get_queryset().defer(SEARCH_VECTOR))


class Post(AuthoredContent):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    TITLE_MAX = 200
    BODY_MAX = 40_000

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    body = models.TextField(max_length=BODY_MAX, help_text="Markdown, as the author typed it.")
    body_html = models.TextField(editable=False, help_text="Sanitised HTML rendered at save.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_promoted = models.BooleanField(
        default=False, help_text="Shown at the top of the front page."
    )
    is_locked = models.BooleanField(default=False, help_text="No new replies.")
    comment_count = models.PositiveIntegerField(default=0)
    recommendation_count = models.PositiveIntegerField(default=0)
    hot = models.FloatField(default=0.0, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    search_vector = search_vector_field()

    objects = PostManager()

    class Meta:
        ordering = ["-published_at"]
        # The lists read listed posts (published, standing) in these orders: partial indexes on
        # them, so a page of a list reads its rows off the index whatever the table's size.
        indexes = [
            models.Index(fields=["section", "status", "-hot"], name="post_section_hot"),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            models.Index(fields=["-hot", "-id"], condition=LISTED, name="post_listed_hot"),
            models.Index(fields=["-published_at", "-id"], condition=LISTED, name="post_listed_new"),
            # The front page's few promoted posts: without it, finding fewer than five reads
            # every listed post.
            models.Index(
                fields=["-published_at", "-id"],
                condition=LISTED & Q(is_promoted=True),
                name="post_listed_promoted",
            ),
            models.Index(
                fields=["section", "-hot", "-id"], condition=LISTED, name="post_section_listed_hot"
            ),
            models.Index(
                fields=["section", "-published_at", "-id"],
                condition=LISTED,
                name="post_section_listed_new",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # p/<pk>/<action>/ URLs: a post's slug must never be one of these words.
    RESERVED_SLUGS = frozenset(
        {"edit", "delete", "history", "recommend", "comment", "follow", "feed"}
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The slug comes from the title while the post stands; a deleted, removed or hidden post's
        # URL stops repeating its title (old links redirect to the new slug).
        if self.state != ContentState.VISIBLE:
            self.slug = self.state
        elif not self.slug or self.slug in ContentState.values:
            slug = slugify(self.title)[:75] or "post"
            self.slug = f"{slug}-post" if slug in self.RESERVED_SLUGS else slug
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "state" in update_fields:
            kwargs["update_fields"] = {*update_fields, "slug"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return fast_reverse("forum:post-detail", self.pk, self.slug)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def accepts_replies(self) -> bool:
        return self.is_published and self.is_visible and not self.is_locked

    # Who may do what: the one place each rule is written (views, services and templates ask;
    # editing, deleting and history come from AuthoredContent).

    def can_recommend(self, user: User | AnonymousUser) -> bool:
        """Recommending (or taking it back): members, on others' published posts that stand."""
        return self.is_someone_elses(user) and self.is_published and self.is_visible

    @property
    def moderation_label(self) -> str:
        return f"post #{self.pk} by @{self.author.username}"


class PostRevision(models.Model):
    """A post as it was before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=Post.TITLE_MAX)
    body = models.TextField()
    created_at = models.DateTimeField(help_text="When this version was written.")
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"Post {self.post_id} as of {self.replaced_at:%Y-%m-%d %H:%M}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def for_thread(self) -> CommentQuerySet:
        return self.select_related("author").order_by("tree_id", "lft")


# A name of its own: django-stubs types a from_queryset() class only when it is assigned.
_CommentManagerBase = TreeManager.from_queryset(CommentQuerySet)


class CommentManager(_CommentManagerBase["Comment"]):
    def get_queryset(self) -> CommentQuerySet:
        return cast(CommentQuerySet, super().get_queryset().defer(SEARCH_VECTOR))

    def _get_next_tree_id(self) -> int:
        """Tree ids from a PostgreSQL sequence instead of django-mptt's racy max(tree_id) + 1.

        Concurrent new top-level comments each get a distinct id without any lock. On SQLite
        (development) writers are serialised by the database (transaction_mode IMMEDIATE), so the
        max + 1 fallback is safe there.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval('forum_comment_tree_id_seq')")
                (tree_id,) = cursor.fetchone()
                return int(tree_id)
        return super()._get_next_tree_id()


class Comment(MPTTModel, AuthoredContent):
    """A reply to a post or to another comment. Each top-level comment is its own MPTT tree.

    Write only through forum.services, which lock the post row first: django-mptt does no locking.
    """

    BODY_MAX = 10_000

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    confidence = models.FloatField(default=0.0, help_text="Wilson lower bound: the 'best' order.")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    search_vector = search_vector_field()

    # ClassVar: MPTTModel declares its own `objects` as one.
    objects: ClassVar[CommentManager] = CommentManager()

    # Set on the comments of a page as forum.threads reads it (never stored): see build_forest
    # and attach_votes.
    replies: list[Comment]
    depth: int
    continues: bool
    my_vote: int

    class Meta:
        indexes = [
            models.Index(fields=["post", "level", "-confidence"], name="comment_post_roots"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"

    def get_absolute_url(self) -> str:
        return fast_reverse("forum:comment-detail", self.pk)

    @property
    def reply_count(self) -> int:
        """All replies below this comment, counted from the tree without a query."""
        return (self.rght - self.lft - 1) // 2

    def can_vote(self, user: User | AnonymousUser) -> bool:
        """Up- or down-voting: members, on others' comments that stand (taking a vote back is
        allowed whatever became of the comment)."""
        return self.is_someone_elses(user) and self.is_visible

    @property
    def moderation_label(self) -> str:
        return f"comment #{self.pk} by @{self.author.username} on post #{self.post_id}"


class CommentRevision(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"Comment {self.comment_id} as of {self.replaced_at:%Y-%m-%d %H:%M}"


class Recommendation(models.Model):
    """A member recommends a post (one each; no down-votes on posts)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_recommendation_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} recommends post {self.post_id}"


class Follow(models.Model):
    """A member follows a discussion (told of new comments in it), or mutes it (told of nothing
    in it: no replies, mentions or new comments). Members follow what they write or reply to;
    a row they chose (muted, or unfollowed) is never overwritten by that."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    following = models.BooleanField(default=True)
    muted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="one_follow_per_member"),
            models.CheckConstraint(
                condition=~Q(following=True, muted=True), name="follow_or_mute_not_both"
            ),
        ]
        indexes = [
            models.Index(
                fields=["post", "user"], name="follow_followers", condition=Q(following=True)
            )
        ]

    def __str__(self) -> str:
        state = "mutes" if self.muted else "follows" if self.following else "left"
        return f"{self.user_id} {state} post {self.post_id}"


class CommentVote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    value = models.SmallIntegerField(choices=[(1, "Up"), (-1, "Down")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_vote_per_member"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_is_up_or_down"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} votes {self.value:+d} on comment {self.comment_id}"


class Report(models.Model):
    """A member flags a post, comment or campaign for moderators. Reporters are never shown to the
    reported member or in public; only moderators see who reported."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abuse, harassment or hate"
        OFF_TOPIC = "off_topic", "Off-topic or disruptive"
        PERSONAL_DATA = "personal_data", "Shares someone's personal data"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    class Outcome(models.TextChoices):
        REMOVED = "removed", "Content removed"
        KEPT = "kept", "No action needed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_resolved",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "content_type", "object_id"],
                condition=Q(status="open"),
                name="one_open_report_per_member_per_item",
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id", "status"], name="report_item")]

    def __str__(self) -> str:
        return f"Report {self.pk}: {self.get_reason_display()}"


class ModerationAction(models.Model):
    """Every moderator action, with its reason. Public ones make up the public moderation log."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hidden pending review"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        LOCK = "lock", "Locked"
        UNLOCK = "unlock", "Unlocked"
        PROMOTE = "promote", "Promoted to the front page"
        UNPROMOTE = "unpromote", "Taken off the front page"
        MOVE = "move", "Moved to another section"
        REOPEN = "reopen", "Reopened"
        DISMISS = "dismiss", "Reports dismissed"
        SUSPEND = "suspend", "Member suspended"
        UNSUSPEND = "unsuspend", "Suspension lifted"
        BAN = "ban", "Member banned"
        UNBAN = "unban", "Ban lifted"

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        help_text="Empty when the site acted by itself (e.g. hidden after reports).",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    target_label = models.CharField(
        max_length=200, help_text="What was acted on, as shown in the log (never its content)."
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions_received",
        help_text="The member whose content or account this concerns.",
    )
    reason = models.CharField(max_length=300)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.target_label}"
