"""Small builders for forum rows, going through the real services."""

import itertools

from forum import services
from forum.models import Post, Section


def section(slug: str = "policy") -> Section:
    return Section.objects.get(slug=slug)


def post(
    author,
    *,
    title="Open the party's books",
    body="We want **every** line.",
    publish=True,
    section_slug="party-finances",
) -> Post:
    return services.post_create(
        actor=author, section=section(section_slug), title=title, body=body, publish=publish
    )


_serial = itertools.count()


def comment(post, author, body=None, parent=None):
    # Distinct bodies by default: identical replies moments apart count as one double submit.
    body = body if body is not None else f"I agree ({next(_serial)})."
    return services.comment_create(post=post, actor=author, body=body, parent=parent)
