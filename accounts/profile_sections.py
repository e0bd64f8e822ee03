"""Parts of a member's public page that other apps fill (their posts and comments, the campaigns
they organise), without accounts importing those apps: each registers a provider from its
AppConfig.ready(), as forum.moderation.register_reportable lets campaigns join moderation.

A provider gets the request and the member and returns the template and context of its part, or
None when it has nothing to show. What it lists is public: the same for every viewer, and only
what the member's own public pages (a post, a campaign page) already show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from .models import User


@dataclass(frozen=True)
class SectionContent:
    template: str
    context: Mapping[str, Any]


Provider = Callable[[HttpRequest, User], SectionContent | None]


@dataclass(frozen=True)
class ProfileSection:
    name: str
    label: str
    provider: Provider
    position: int


@dataclass(frozen=True)
class RenderedSection:
    name: str
    label: str
    # What render_to_string returned: a SafeString, which the page places unescaped (a plain str
    # would be escaped, so a mistake shows instead of injecting).
    html: str


_SECTIONS: dict[str, ProfileSection] = {}


def register_profile_section(
    name: str, label: str, provider: Provider, *, position: int = 100
) -> None:
    """Add a part to every member's page, under the heading `label`; lower positions first.
    `name` makes the part's id (#<name>), so links can land on it."""
    _SECTIONS[name] = ProfileSection(name=name, label=label, provider=provider, position=position)


def profile_sections(request: HttpRequest, member: User) -> list[RenderedSection]:
    rendered = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.position, s.name)):
        content = section.provider(request, member)
        if content is None:
            continue
        context = {**content.context, "member": member, "section_name": section.name}
        html = render_to_string(content.template, context, request=request)
        rendered.append(RenderedSection(name=section.name, label=section.label, html=html))
    return rendered
