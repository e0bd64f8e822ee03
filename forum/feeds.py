"""Atom feeds of what the forum lists: the front page, Newest, each section, each member's posts,
each post's comments, and the public moderation log.

A feed carries only what its page shows to a visitor who is not logged in: listed posts, comments
that stand in a listed post, and the moderation log's own wording (never the removed text). Each
holds the newest FEED_ITEMS entries, read in a constant number of queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from accounts.models import User

from .models import Comment, ContentState, ModerationAction, Post, Section

FEED_ITEMS = 30


class ContentAtomFeed(Atom1Feed):
    """Atom with each entry's HTML in <content> (Django's Atom1Feed puts it in <summary>, which
    readers show as a teaser): the body is the sanitised body_html, rendered at save."""

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if content := item["description"]:
            handler.addQuickElement("content", content, {"type": "html"})


def tag_uri(path: str, date: datetime) -> str:
    """An entry's id (RFC 4151): stable when a title, and with it a slug, changes later. The
    domain is the site's own (SITE_URL), whichever host name the feed was fetched on."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"tag:{host},{date:%Y-%m-%d}:{path}"


Item = TypeVar("Item")
Obj = TypeVar("Obj")


class SiteFeed(Feed[Item, Obj]):
    feed_type = ContentAtomFeed


# Posts -------------------------------------------------------------------------------------------


def _feed_posts(posts: QuerySet[Post]) -> QuerySet[Post]:
    return posts.select_related("author", "section")


class PostFeed(SiteFeed[Post, Obj]):
    """Entries that are posts: listed ones only (the subclasses' items start from listed())."""

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        return item.body_html

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Post) -> str:
        path = reverse("forum:post-detail-short", args=[item.pk])
        return tag_uri(path, item.published_at or item.created_at)

    def item_author_name(self, item: Post) -> str:
        return item.author.name

    def item_pubdate(self, item: Post) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Post) -> datetime | None:
        return item.edited_at or item.published_at

    def item_categories(self, item: Post) -> list[str]:
        return [item.section.name]


class FrontFeed(PostFeed[None]):
    """What the front page lists: its promoted posts, then Hot."""

    def title(self) -> str:
        return f"{settings.SITE_NAME}: front page"

    def subtitle(self) -> str:
        return "Promoted and hot posts from the front page."

    def link(self) -> str:
        return reverse("forum:home")

    def items(self) -> list[Post]:
        listed = _feed_posts(Post.objects.listed())
        promoted = list(listed.filter(is_promoted=True).order_by("-published_at")[:5])
        hot = listed.exclude(pk__in=[p.pk for p in promoted]).order_by("-hot", "-pk")
        return promoted + list(hot[: FEED_ITEMS - len(promoted)])


class NewestFeed(PostFeed[None]):
    def title(self) -> str:
        return f"{settings.SITE_NAME}: newest posts"

    def link(self) -> str:
        return reverse("forum:newest")

    def items(self) -> QuerySet[Post]:
        return _feed_posts(Post.objects.listed()).order_by("-published_at", "-pk")[:FEED_ITEMS]


class SectionFeed(PostFeed[Section]):
    """A section's newest posts (its page orders by Hot by default; a feed follows what is new)."""

    def get_object(self, request: Any, *args: Any, **kwargs: Any) -> Section:
        return get_object_or_404(Section, slug=kwargs["slug"])

    def title(self, obj: Section) -> str:
        return f"{settings.SITE_NAME}: {obj.name}"

    def subtitle(self, obj: Section) -> str:
        return obj.description

    def link(self, obj: Section) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Section) -> QuerySet[Post]:
        posts = _feed_posts(Post.objects.listed().filter(section=obj))
        return posts.order_by("-published_at", "-pk")[:FEED_ITEMS]


class MemberFeed(PostFeed[User]):
    """A member's listed posts. A banned member (inactive) has no profile, and no feed."""

    def get_object(self, request: Any, *args: Any, **kwargs: Any) -> User:
        return get_object_or_404(User, username=kwargs["username"], is_active=True)

    def title(self, obj: User) -> str:
        return f"{settings.SITE_NAME}: posts by {obj.name}"

    def link(self, obj: User) -> str:
        return obj.get_absolute_url()

    def items(self, obj: User) -> QuerySet[Post]:
        posts = _feed_posts(Post.objects.listed().filter(author=obj))
        return posts.order_by("-published_at", "-pk")[:FEED_ITEMS]


# Comments ----------------------------------------------------------------------------------------


class CommentFeed(SiteFeed[Comment, Post]):
    """A listed post's comments that stand, newest first. A draft, or a post that no longer
    stands, has no feed (404): its page shows a placeholder, and so would nothing here."""

    def get_object(self, request: Any, *args: Any, **kwargs: Any) -> Post:
        return get_object_or_404(Post.objects.listed(), pk=kwargs["pk"])

    def title(self, obj: Post) -> str:
        return f"{settings.SITE_NAME}: comments on “{obj.title}”"

    def link(self, obj: Post) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Post) -> QuerySet[Comment]:
        comments = obj.comments.filter(state=ContentState.VISIBLE).select_related("author")
        return comments.order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item: Comment) -> str:
        # The post is the feed's object; each comment's post_id is that post's.
        return f"Comment by {item.author.name}"

    def item_description(self, item: Comment) -> str:
        return item.body_html

    def item_link(self, item: Comment) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Comment) -> str:
        return tag_uri(item.get_absolute_url(), item.created_at)

    def item_author_name(self, item: Comment) -> str:
        return item.author.name

    def item_pubdate(self, item: Comment) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Comment) -> datetime:
        return item.edited_at or item.created_at


# The public moderation log -----------------------------------------------------------------------


class ModerationLogFeed(SiteFeed[ModerationAction, None]):
    """The public log's rows, as the page words them: the action, its target's label (never its
    content), the reason and the moderator's username."""

    def title(self) -> str:
        return f"{settings.SITE_NAME}: moderation log"

    def subtitle(self) -> str:
        return "Every public moderator action, with its reason."

    def link(self) -> str:
        return reverse("forum:moderation-log")

    def items(self) -> QuerySet[ModerationAction]:
        actions = ModerationAction.objects.filter(is_public=True).select_related("moderator")
        return actions.order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, item: ModerationAction) -> str:
        return f"{item.get_action_display()}: {item.target_label}"

    def item_description(self, item: ModerationAction) -> str:
        return f"<p>{escape(item.reason)}</p>"

    def item_link(self, item: ModerationAction) -> str:
        return reverse("forum:moderation-log")

    def item_guid(self, item: ModerationAction) -> str:
        return tag_uri(f"/moderation/log/{item.pk}", item.created_at)

    def item_author_name(self, item: ModerationAction) -> str:
        return f"@{item.moderator.username}" if item.moderator else "automatic"

    def item_pubdate(self, item: ModerationAction) -> datetime:
        return item.created_at

    def item_updateddate(self, item: ModerationAction) -> datetime:
        # Atom requires <updated> on every entry; an action is never edited.
        return item.created_at
