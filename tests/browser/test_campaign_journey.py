"""An organiser drafts and publishes a campaign, a member supports it agreeing to be contacted,
and the organiser sees the count and downloads the CSV: in a real browser, without JavaScript."""

import csv
import re
from io import BytesIO, StringIO

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from campaigns.models import Campaign, Support, SupporterExport
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def banner_png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (1200, 630), (163, 22, 27)).save(out, format="PNG")
    return out.getvalue()


def test_organiser_publishes_member_supports_organiser_exports(new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_member("olu", display_name="Olu Adeyemi")
    alice = make_member("alice", display_name="Alice Okafor")

    # The organiser drafts a campaign, with an image.
    olu = new_page()
    log_in(olu, "olu")
    olu.goto("/campaigns/")
    olu.get_by_role("link", name="Start a campaign").click()
    olu.get_by_label("Title").fill("Take back control of party finances")
    olu.get_by_label("Summary").fill("Members should see every line of the accounts.")
    olu.get_by_label("Section").select_option(label="Party finances")
    olu.get_by_label("Who decides").fill("The National Executive Committee")
    olu.get_by_label("What we ask").fill("Publish the full audited accounts every year.")
    olu.get_by_label("Why it matters").fill("We raise the money. **We should see where it goes.**")
    olu.get_by_label("Goal (supporters)").fill("0")
    olu.get_by_role("button", name="Save draft").click()
    # A goal below 1 is refused and nothing typed is lost.
    expect(olu.get_by_text("The goal must be at least 1 supporter.")).to_be_visible()
    expect(olu.get_by_label("Who decides")).to_have_value("The National Executive Committee")
    olu.get_by_label("Goal (supporters)").fill("500")
    olu.get_by_label("Image (optional)").set_input_files(
        {"name": "banner.png", "mimeType": "image/png", "buffer": banner_png()}
    )
    olu.get_by_label("Image description").fill("A red banner")
    olu.get_by_role("button", name="Save draft").click()
    expect(olu.get_by_text("This is a draft.")).to_be_visible()
    campaign = Campaign.objects.get()
    assert campaign.is_draft and campaign.image

    # A member can't see the draft; then the organiser publishes it.
    member = new_page()
    log_in(member, "alice")
    response = member.goto(campaign.get_absolute_url())
    assert response.status == 404
    olu.get_by_role("button", name="Publish").click()
    expect(olu.get_by_text("The campaign is published.")).to_be_visible()
    expect(olu.get_by_role("link", name=re.compile(r"0 comments in the forum"))).to_be_visible()

    # The member supports it, agreeing to be contacted and to be named.
    member.goto(campaign.get_absolute_url())
    expect(member.locator('meta[property="og:image"]')).to_have_attribute(
        "content", re.compile(r"^http://.+/media/campaigns/.+\.png$")
    )
    # Both boxes start unticked; the browser itself asks for the first before submitting.
    support_box = member.get_by_label("Add my support to this campaign")
    expect(support_box).not_to_be_checked()
    expect(
        member.get_by_label("The organisers of this campaign may contact me")
    ).not_to_be_checked()
    member.get_by_role("button", name="Support this campaign").click()
    assert support_box.evaluate("box => box.validity.valueMissing")
    assert not Support.objects.exists()
    member.get_by_label("Add my support to this campaign").check()
    member.get_by_label("The organisers of this campaign may contact me").check()
    member.get_by_label("Show my name to everyone").check()
    member.get_by_role("button", name="Support this campaign").click()
    expect(member.get_by_text("Thank you: you support this campaign.")).to_be_visible()
    expect(member.locator(".support-count")).to_have_text("1")
    support = Support.objects.get()
    assert (support.user, support.contact_ok, support.name_visibility) == (alice, True, "public")

    # The organiser sees the count and downloads the CSV.
    olu.reload()
    expect(olu.locator(".support-count")).to_have_text("1")
    expect(olu.locator(".supporter-list")).to_contain_text("Alice Okafor")
    olu.get_by_role("link", name="Dashboard and export").click()
    expect(olu.locator(".total-supporters")).to_have_text("1")
    expect(olu.locator("svg[role=img] title")).to_have_text("Supporters over time")
    # The supporters' names and addresses: the password is asked for again first, and the
    # download comes from that form (allauth carries out the held POST).
    olu.get_by_role("button", name="Download the CSV").click()
    olu.get_by_label("Password").fill(PASSWORD)
    with olu.expect_download() as download_info:
        olu.get_by_role("button", name="Confirm").click()
    download = download_info.value
    assert download.suggested_filename.startswith("take-back-control-of-party-finances-supporters-")
    with open(download.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(StringIO(f.read())))
    assert rows[0] == ["name", "email", "supported_on", "name_shown"]
    assert rows[1][:2] == ["Alice Okafor", "alice@example.org"]
    assert SupporterExport.objects.get().row_count == 1
    olu.goto(reverse("campaigns:dashboard", args=[SupporterExport.objects.get().campaign.slug]))
    expect(olu.locator("table.exports")).to_contain_text("Olu Adeyemi")
