"""Atom feeds (Django's syndication framework) of what anyone may read: the front page, Newest,
each section, each member's posts, each post's comments, and the public moderation log.

Entries carry the sanitised HTML stored at save (forum.markup), never the typed Markdown; nothing
draft, hidden, deleted or removed is in any feed, and a feed of something nobody may read is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from accounts.models import User

from .models import Comment, ContentState, ModerationAction, Post, Section

FEED_ITEMS = 30


def tag_uri(path: str, date: datetime) -> str:
    """An entry's id as a tag URI (RFC 4151), for entries whose link is not their own. The host
    is the site's (SITE_URL), whatever name the feed was fetched by, so ids stay put."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},{date:%Y-%m-%d}:{path}"


class PostFeed(Feed):  # type: ignore[type-arg]
    """Posts, newest first: the base of the post feeds."""

    feed_type = Atom1Feed

    def posts(self, obj: Any) -> QuerySet[Post]:
        return Post.objects.listed().order_by("-published_at", "-pk")

    def items(self, obj: Any) -> list[Post]:
        return list(self.posts(obj).select_related("author", "section")[:FEED_ITEMS])

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Post) -> str:
        return item.author.name

    def item_author_link(self, item: Post) -> str:
        # Absolute: Django makes only the entry's own link so, and a reader can't resolve this one.
        return settings.SITE_URL + item.author.get_absolute_url()

    def item_pubdate(self, item: Post) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime | None:
        return item.edited_at or item.published_at

    def item_categories(self, item: Post) -> list[str]:
        return [item.section.name]


class FrontFeed(PostFeed):
    description = "What members are discussing now."

    def title(self) -> str:
        return f"{settings.SITE_NAME}: the front page"

    def link(self) -> str:
        return reverse("forum:home")

    def posts(self, obj: Any) -> QuerySet[Post]:
        return Post.objects.listed().order_by("-is_promoted", "-hot", "-pk")


class NewestFeed(PostFeed):
    description = "Every post, newest first."

    def title(self) -> str:
        return f"{settings.SITE_NAME}: newest posts"

    def link(self) -> str:
        return reverse("forum:newest")


class SectionFeed(PostFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def description(self, obj: Section) -> str:
        return obj.description or f"New posts in {obj.name}."

    def link(self, obj: Section) -> str:
        return reverse("forum:section", kwargs={"slug": obj.slug})

    def posts(self, obj: Section) -> QuerySet[Post]:
        return super().posts(obj).filter(section=obj)


class MemberFeed(PostFeed):
    def get_object(self, request: HttpRequest, username: str) -> User:
        return get_object_or_404(User, username=username, is_active=True)

    def title(self, obj: User) -> str:
        return f"{settings.SITE_NAME}: posts by {obj.name}"

    def description(self, obj: User) -> str:
        return f"What @{obj.username} posts, newest first."

    def link(self, obj: User) -> str:
        return obj.get_absolute_url()

    def posts(self, obj: User) -> QuerySet[Post]:
        return super().posts(obj).filter(author=obj)


class CommentsFeed(Feed):  # type: ignore[type-arg]
    """A post's replies that stand, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, pk: int) -> Post:
        return get_object_or_404(Post.objects.listed(), pk=pk)

    def title(self, obj: Post) -> str:
        return f"Replies to “{obj.title}”"

    def description(self, obj: Post) -> str:
        return f"Replies to “{obj.title}”, newest first."

    def link(self, obj: Post) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Post) -> list[Comment]:
        comments = Comment.objects.filter(post=obj, state=ContentState.VISIBLE)
        return list(comments.select_related("author").order_by("-created_at", "-pk")[:FEED_ITEMS])

    def item_title(self, item: Comment) -> str:
        return f"{item.author.name}: {Truncator(item.body).words(12)}"

    def item_description(self, item: Comment) -> str:
        return item.body_html

    def item_link(self, item: Comment) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Comment) -> str:
        return item.author.name

    def item_pubdate(self, item: Comment) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Comment) -> datetime:
        return item.edited_at or item.created_at


class ModerationLogFeed(Feed):  # type: ignore[type-arg]
    """The public moderation log: what the page says (the action, a label, the reason), never
    what was removed, and never who reported it."""

    feed_type = Atom1Feed
    description = "Every public moderator action, with its reason."

    def title(self) -> str:
        return f"{settings.SITE_NAME}: moderation log"

    def link(self) -> str:
        return reverse("forum:moderation-log")

    def items(self) -> list[ModerationAction]:
        actions = ModerationAction.objects.filter(is_public=True).select_related("moderator")
        return list(actions.order_by("-created_at", "-pk")[:FEED_ITEMS])

    def item_title(self, item: ModerationAction) -> str:
        return f"{item.get_action_display()}: {item.target_label}"

    def item_description(self, item: ModerationAction) -> str:
        return item.reason

    def item_link(self, item: ModerationAction) -> str:
        return f"{reverse('forum:moderation-log')}#action-{item.pk}"

    def item_guid(self, item: ModerationAction) -> str:
        # An IRI, as Atom's <id> must be (a bare "moderation-action-12" is not one).
        return tag_uri(f"/moderation/log/{item.pk}", item.created_at)

    def item_author_name(self, item: ModerationAction) -> str:
        return f"@{item.moderator.username}" if item.moderator else "automatic"

    def item_pubdate(self, item: ModerationAction) -> datetime:
        return item.created_at

    def item_updateddate(self, item: ModerationAction) -> datetime:
        # Atom requires <updated> on every entry (Django writes it only from this); an action is
        # never edited.
        return item.created_at
