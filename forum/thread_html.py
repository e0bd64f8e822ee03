"""The HTML of a page of comments, written in one flat pass over forum.threads' entries.

A thread page shows up to a couple of hundred comments, and the template language costs tens of
microseconds per variable it resolves: a recursive ``{% include %}`` with a ``{% url %}`` per
link made the comments 93% of a thread page's time. Here each comment is a few string joins:
every URL comes from a pattern looked up once a page (accounts.links.pk_url), and everything a member wrote (names,
usernames, placeholders' reasons) goes through ``html.escape`` (quotes too); bodies are forum.markup's sanitised
HTML. The structure is the one the template had: nested ``<ol>``/``<li>``, each comment a
``<details>`` (collapsing without JavaScript) around an ``<article>``.

What differs between viewers is written by ``_controls`` alone, from the model's own predicates
(``can_vote``, ``can_edit``...), for the viewer of this request: nothing here is cached, so no
viewer's controls can reach another. The per-comment forms of old (a CSRF token and a hidden
``next`` each) became buttons of one form per page (``form="tf"`` with ``formaction``): a
logged-in page is a third lighter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from html import escape  # what django.utils.html.escape does, without making a SafeString
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.links import pk_url

from .hats import HAT_TITLES, hats_of
from .templatetags.forum_tags import ago

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import Comment, Post
    from .threads import Entry

SHARED_FORM = (
    "tf"  # the id of the page's one form for comment buttons (templates/forum/_thread_form.html)
)


@cache
def _hat_html(name: str) -> str:
    return f' <span class="hat hat-{escape(name)}" title="{escape(HAT_TITLES.get(name, ""))}">{escape(name)}</span>'


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass
class Viewer:
    """Whoever reads the page, and what their controls need: worked out once per page."""

    user: User | AnonymousUser
    csrf_token: str = ""
    next_path: str = ""
    mod_actions: Sequence[tuple[str, str]] = ()

    def __post_init__(self) -> None:
        self.now = timezone.now()  # one "now" for every "3 hours ago" on the page
        self.links = Links()  # each URL pattern looked up once a page
        self.is_member = bool(self.user.is_authenticated)
        self.is_moderator = self.is_member and bool(getattr(self.user, "is_moderator", False))
        self._allowed: dict[tuple[bool, str], Allowed] = {}

    def allowed(self, comment: Comment) -> Allowed:
        """What this viewer may do with the comment, from the model's own predicates.

        For one viewer those answer alike for every comment of the same owner-ness and state
        (the rules read nothing else of a comment: tests/forum/test_thread_pages.py checks it on
        every comment of varied pages), so each is asked once per kind of comment on the page.
        """
        key = (comment.is_owned_by(self.user), comment.state)
        found = self._allowed.get(key)
        if found is None:
            user = self.user
            found = self._allowed[key] = Allowed(
                vote=comment.can_vote(user),
                edit=comment.can_edit(user),
                delete=comment.can_delete(user),
                see_history=comment.can_see_history(user),
                report=comment.can_report(user),
                moderate=comment.can_moderate(user),
            )
        return found


class Links:
    """The comment URLs a page writes, each a pk formatter (accounts.links.pk_url)."""

    def __init__(self) -> None:
        self.detail = pk_url("forum:comment-detail")
        self.reply = pk_url("forum:comment-reply")
        self.vote = pk_url("forum:comment-vote")
        self.edit = pk_url("forum:comment-edit")
        self.delete = pk_url("forum:comment-delete")
        self.history = pk_url("forum:comment-history")
        self.report = pk_url("forum:report", "comment")
        self.moderate = pk_url("forum:moderate", "comment")


@dataclass(frozen=True, slots=True)
class Allowed:
    vote: bool
    edit: bool
    delete: bool
    see_history: bool
    report: bool
    moderate: bool


def _hats(comment: Comment) -> str:
    return "".join(_hat_html(name) for name in hats_of(comment))


def _vote_buttons(comment: Comment, viewer: Viewer) -> str:
    action = viewer.links.vote(comment.pk)
    buttons = []
    for value, mark, word in ((1, "▲", "up"), (-1, "▼", "down")):
        pressed = comment.my_vote == value
        label = f"{word.capitalize()}-voted (take back)" if pressed else f"{word.capitalize()}-vote"
        title = f"Take back your {word}-vote" if pressed else f"{word.capitalize()}-vote"
        buttons.append(
            f'<button form="{SHARED_FORM}" formaction="{action}" name="vote" '
            f'value="{"clear" if pressed else word}" aria-pressed="{"true" if pressed else "false"}" '
            f'class="vote {word}" title="{title}">{mark} '
            f'<span class="visually-hidden">{label}</span></button>'
        )
    return f'<span class="vote-form">{"".join(buttons)}</span>'


def _mod_controls(comment: Comment, viewer: Viewer) -> str:
    """The in-page moderator form (templates/forum/_mod_controls.html's, for comments)."""
    pk = comment.pk
    options = "".join(
        f'<option value="{escape(value)}">{escape(label)}</option>'
        for value, label in viewer.mod_actions
    )
    action = viewer.links.moderate(pk)
    return (
        '<details class="mod-controls"><summary>moderate</summary>'
        f'<form method="post" action="{action}" class="mod-form" id="mod-form-comment-{pk}">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(viewer.csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(viewer.next_path)}#c{pk}">'
        f'<label for="mod-action-comment-{pk}" class="visually-hidden">Action</label>'
        f'<select name="action" id="mod-action-comment-{pk}" required>'
        f'<option value="" selected>Choose an action…</option>{options}</select>'
        f'<label for="mod-reason-comment-{pk}" class="visually-hidden">Reason (shown in the log '
        "and to the member)</label>"
        f'<input type="text" name="reason" id="mod-reason-comment-{pk}" required maxlength="300" '
        'placeholder="Reason (public)">'
        f'<button type="submit" class="small">Apply</button> <a href="{action}">more…</a>'
        "</form></details>"
    )


def _controls(comment: Comment, viewer: Viewer) -> str:
    """The parts of a comment that depend on who reads it."""
    if not viewer.is_member:
        return ""
    can = viewer.allowed(comment)
    parts = []
    if can.vote:
        parts.append(_vote_buttons(comment, viewer))
    if can.edit:
        parts.append(f'<a href="{viewer.links.edit(comment.pk)}">edit</a>')
    if can.delete:
        parts.append(
            '<details class="confirm"><summary>delete</summary>'
            f'<button form="{SHARED_FORM}" formaction="{viewer.links.delete(comment.pk)}" '
            'class="small">Delete this comment</button></details>'
        )
    if comment.edited_at and comment.is_visible and can.see_history:
        parts.append(f'<a href="{viewer.links.history(comment.pk)}">history</a>')
    if comment.is_visible and can.report:
        report = viewer.links.report(comment.pk)
        parts.append(f'<a href="{report}" class="report-link">report</a>')
    if viewer.is_moderator and can.moderate:
        parts.append(_mod_controls(comment, viewer))
    return "".join(parts)


def _comment(comment: Comment, viewer: Viewer, *, replies_open: bool) -> str:
    pk = comment.pk
    permalink = viewer.links.detail(pk)
    visible = comment.is_visible
    if visible:
        name = escape(comment.author.name)
        hats = _hats(comment)
        who = f"<strong>{name}</strong>{hats}"
        if not comment.author.is_deleted:  # a deleted account: "[deleted member]", no handle
            who += f' <span class="handle">@{escape(comment.author.username)}</span>'
        label = f"Comment by {name}"
        body = f'<div class="comment-body prose">{comment.body_html}</div>'
    else:
        who = f"<strong>{escape(comment.moderation_heading)}</strong>"
        label = "Comment by a deleted author"
        body = (
            f'<p class="comment-body placeholder-{escape(comment.state)}">'
            f"{escape(comment.moderation_placeholder)}</p>"
        )
        if comment.body_html and viewer.is_moderator and viewer.allowed(comment).moderate:
            body += (
                '<div class="comment-body prose mod-view"><p class="meta">Moderators only: by '
                f"{escape(comment.author.name)}{_hats(comment)}</p>{comment.body_html}</div>"
            )
    score = comment.score
    head = (
        f"{who} · {score} point{'' if score in (1, -1) else 's'}"
        f' · <time datetime="{comment.created_at.isoformat()}">{ago(comment.created_at, viewer.now)}</time>'
    )
    if comment.edited_at and visible:
        head += ' · <span class="edited">edited</span>'
    if replies := comment.reply_count:
        head += f'<span class="reply-count"> · {_plural(replies, "reply", "replies")}</span>'
    actions = []
    if visible and not comment.author.is_deleted:
        actions.append(
            f'<a href="{escape(comment.author.get_absolute_url())}" class="author-link">{name}</a>'
        )
    actions.append(f'<a href="{permalink}" class="permalink">link</a>')
    if visible and replies_open:
        actions.append(f'<a href="{viewer.links.reply(pk)}" class="reply-link">reply</a>')
    placeholder = "" if visible else " placeholder"
    return (
        f'<li class="comment-node" id="c{pk}"><details open><summary><span class="comment-head">'
        f'{head}</span></summary><article class="comment{placeholder}" aria-label="{label}">'
        f'{body}<div class="comment-actions">{" ".join(actions)}{_controls(comment, viewer)}'
        "</div></article>"
    )


def _more(entry: Entry, sort: str, viewer: Viewer) -> str:
    pk = entry.comment.pk
    if entry.continues:
        return (
            f'<p class="continue"><a href="{viewer.links.detail(pk)}">Continue this '
            f'thread → <span class="meta">({_plural(entry.comment.reply_count, "more reply", "more replies")})</span></a></p>'
        )
    if not entry.more:
        return ""
    query = f"?sort={sort}"
    if entry.more_after is not None:
        query += f"&amp;after={entry.more_after}"
    return (
        f'<p class="more"><a class="more-replies" href="{viewer.links.detail(pk)}'
        f'{query}">{_plural(entry.more, "more reply", "more replies")}</a></p>'
    )


def thread_html(entries: Sequence[Entry], *, post: Post, viewer: Viewer, sort: str) -> SafeString:
    """The `<li>`s of a page (for an `<ol class="comments">`), nested as the comments are."""
    out: list[str] = []
    open_entries: list[Entry] = []  # shown with replies below, whose `<ol>` is still open
    replies_open = post.accepts_replies()
    for entry in entries:
        while open_entries and open_entries[-1].depth >= entry.depth:
            out.append(f"</ol>{_more(open_entries.pop(), sort, viewer)}</details></li>")
        out.append(_comment(entry.comment, viewer, replies_open=replies_open))
        if entry.shown_children:
            out.append('<ol class="replies">')
            open_entries.append(entry)
        else:
            out.append(f"{_more(entry, sort, viewer)}</details></li>")
    while open_entries:
        out.append(f"</ol>{_more(open_entries.pop(), sort, viewer)}</details></li>")
    return mark_safe("".join(out))  # noqa: S308 - every member's value above is escaped
