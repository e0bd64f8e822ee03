"""Small builders for forum rows, going through the real services."""

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
        author=author, section=section(section_slug), title=title, body=body, publish=publish
    )


def comment(post, author, body="I agree.", parent=None):
    return services.comment_create(post=post, author=author, body=body, parent=parent)
