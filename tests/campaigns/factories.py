"""Small builders for campaign rows, going through the real services."""

from __future__ import annotations

import itertools
from io import BytesIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns import services
from campaigns.models import CONTACT_CONSENT, SUPPORT_CONSENT, Campaign, NameVisibility
from forum.models import Section

_serial = itertools.count()


def campaign(
    owner,
    *,
    title: str | None = None,
    publish: bool = True,
    goal: int = 100,
    section_slug: str = "party-finances",
    **fields,
) -> Campaign:
    values: dict[str, Any] = {
        "title": title or f"Open the party's books {next(_serial)}",
        "summary": "Members should see every line of the accounts.",
        "target": "The National Executive Committee",
        "ask": "Publish the full audited accounts to members every year.",
        "body": "We raise the money. **We should see where it goes.**",
        "goal": goal,
        "deadline": None,
        "section": Section.objects.get(slug=section_slug),
    }
    values.update(fields)
    image = values.pop("image", None)
    made = services.campaign_create(
        actor=owner, fields=services.CampaignFields(**values), image=image
    )
    if publish:
        made = services.campaign_publish(campaign=made, actor=owner)
    return made


def campaign_form_data(**overrides) -> dict:
    """What the campaign form posts when filled in correctly (saving a draft); override any field,
    or add others (image, pending_image, change_note)."""
    data = {
        "title": "Save the Carnegie library",
        "summary": "The council wants to close it next spring.",
        "target": "Leeds City Council",
        "ask": "Keep the Carnegie library open, with its current hours.",
        "body": "It is the only *free* warm space on the estate.",
        "goal": "500",
        "deadline": "",
        "section": Section.objects.get(slug="campaigns").pk,
        "image_alt": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def support(campaign, user, *, contact_ok=False, name_visibility=NameVisibility.HIDDEN):
    """Support as a member who read the current wordings."""
    return services.support_add(
        campaign=campaign,
        actor=user,
        contact_ok=contact_ok,
        name_visibility=name_visibility,
        **seen(),
    )


def seen() -> dict[str, str]:
    """The consent versions a page shows today, as the support form posts them back."""
    return {
        "support_consent_version": SUPPORT_CONSENT.version,
        "contact_consent_version": CONTACT_CONSENT.version,
    }


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (1200, 630), **save) -> bytes:
    out = BytesIO()
    mode = "RGB" if fmt in ("JPEG", "WEBP") else "RGBA" if fmt == "PNG" else "P"
    Image.new(mode, size, (163, 22, 27) if mode != "P" else 1).save(out, format=fmt, **save)
    return out.getvalue()


def upload(name: str = "banner.png", fmt: str = "PNG", size=(1200, 630), data: bytes | None = None):
    content = data if data is not None else image_bytes(fmt, size)
    return SimpleUploadedFile(name, content, content_type="image/png")
