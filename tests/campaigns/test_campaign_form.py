"""Starting and editing a campaign: the form, bad input, images, change notes."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaigns.models import Campaign, CampaignChange
from forum.models import Section

from . import factories

pytestmark = pytest.mark.django_db

CREATE = reverse("campaigns:create")


form_data = factories.campaign_form_data


def edit_url(campaign) -> str:
    return reverse("campaigns:edit", args=[campaign.slug])


def edit_data(campaign, **overrides):
    data = form_data(
        title=campaign.title,
        summary=campaign.summary,
        target=campaign.target,
        ask=campaign.ask,
        body=campaign.body,
        goal=str(campaign.goal),
        section=campaign.section_id,
    )
    data.update(overrides)
    return data


# Creating ----------------------------------------------------------------------------------------


def test_member_starts_a_campaign_as_a_draft(member_client, member):
    response = member_client.post(CREATE, form_data(deadline="2099-01-31"))
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert (campaign.status, campaign.created_by, campaign.goal) == ("draft", member, 500)
    assert str(campaign.deadline) == "2099-01-31"
    assert campaign.body_html == "<p>It is the only <em>free</em> warm space on the estate.</p>\n"
    assert campaign.is_owner(member)


def test_create_form_preselects_the_section_from_the_link(member_client):
    html = member_client.get(CREATE + "?section=unions").content.decode()
    unions = Section.objects.get(slug="unions").pk
    assert f'<option value="{unions}" selected>Unions</option>' in html


def test_preview_renders_the_case_without_saving(member_client):
    response = member_client.post(CREATE, form_data(action="preview", body="# Why\n\n**Now.**"))
    html = response.content.decode()
    assert "<h3>Why</h3>" in html and "<strong>Now.</strong>" in html
    assert "# Why" in html  # still in the box
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"goal": "0"}, "goal", "The goal must be at least 1 supporter."),
        ({"goal": "-5"}, "goal", "The goal must be at least 1 supporter."),
        ({"goal": "lots"}, "goal", "The goal is a whole number of supporters."),
        ({"goal": ""}, "goal", "Set a goal"),
        ({"goal": "99999999999"}, "goal", "less than or equal to 10000000"),
        ({"deadline": "2001-01-01"}, "deadline", "The deadline can&#x27;t be in the past."),
        ({"deadline": "31/02/2027"}, "deadline", "Enter the deadline as a date"),
        ({"title": ""}, "title", "Give the campaign a title."),
        ({"title": "t" * 151}, "title", "at most 150 characters"),
        ({"target": ""}, "target", "Say who the campaign asks."),
        ({"ask": ""}, "ask", "Say what the campaign asks for."),
        ({"body": "   \n "}, "body", "Make the case"),
        ({"section": "999999"}, "section", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_what_was_typed_stays(member_client, overrides, field, message):
    data = form_data(**overrides)
    response = member_client.post(CREATE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html or field == "section"
    # Everything else the organiser typed is still in the form.
    assert "Leeds City Council" in html or field == "target"
    assert "The council wants to close it next spring." in html
    assert "It is the only *free* warm space on the estate." in html or field == "body"
    assert not Campaign.objects.exists()


def test_image_is_stored_reencoded_and_stripped_of_location(member_client):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)  # GPSInfo: where the photo was taken
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)
    out = BytesIO()
    Image.new("RGB", (1200, 630), (200, 30, 30)).save(out, format="JPEG", exif=exif.tobytes())
    with Image.open(BytesIO(out.getvalue())) as original:
        assert original.getexif().get_ifd(0x8825)[2] == (51.0, 30.0, 0.0)
    upload = factories.upload("IMG_2041 home address.jpg", data=out.getvalue())
    response = member_client.post(
        CREATE, form_data(image=upload, image_alt="Members outside the library")
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.image_alt == "Members outside the library"
    assert campaign.image.name.endswith(".jpg")
    assert "home" not in campaign.image.name
    with campaign.image.open("rb") as stored:
        data = stored.read()
    assert b"PhoneMaker" not in data
    with Image.open(BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (1200, 630)
        assert not image.getexif()


def bmp_bytes() -> bytes:
    out = BytesIO()
    Image.new("RGB", (300, 200)).save(out, format="BMP")
    return out.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: factories.upload("notes.png", data=b"just some text, not a picture"),
            "isn&#x27;t an image",
        ),
        (
            lambda: factories.upload("x.png", data=factories.image_bytes()[:200]),
            "isn&#x27;t an image",
        ),
        (lambda: factories.upload("old.bmp", data=bmp_bytes()), "isn&#x27;t an image"),
        (lambda: factories.upload("huge.png", size=(4001, 300)), "at most 4000 on each side"),
        (lambda: factories.upload("tiny.png", size=(20, 20)), "at least 50 on each side"),
        (
            lambda: factories.upload("big.png", data=factories.image_bytes() + b"\0" * 2_200_000),
            "the limit is 2 MB",
        ),
    ],
)
def test_bad_images_are_refused_with_a_message_and_text_kept(member_client, upload, message):
    response = member_client.post(CREATE, form_data(image=upload(), image_alt="Alt"))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="pending-image"' not in html  # a refused image is not kept for the next submit
    assert "Leeds City Council" in html
    assert not Campaign.objects.exists()


def test_image_needs_a_description(member_client):
    response = member_client.post(CREATE, form_data(image=factories.upload()))
    assert "Describe the image for people who can&#x27;t see it." in response.content.decode()
    assert not Campaign.objects.exists()


def test_suspended_member_is_refused_and_keeps_the_text(member_client, member):
    member.suspended_until = timezone.now() + timedelta(days=1)
    member.save()
    response = member_client.post(CREATE, form_data())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your account is suspended" in html
    assert "Leeds City Council" in html
    assert not Campaign.objects.exists()


def test_anonymous_is_sent_to_log_in_to_start_a_campaign(client, db):
    for response in (client.get(CREATE), client.post(CREATE, {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_create_accepts_only_get_and_post(member_client):
    assert member_client.put(CREATE).status_code == 405


# Editing -----------------------------------------------------------------------------------------


def test_owner_and_co_organiser_edit(client, campaign, owner, co_organiser):
    for user, title in ((owner, "Open the books"), (co_organiser, "Open the books now")):
        client.force_login(user)
        response = client.post(edit_url(campaign), edit_data(campaign, title=title, goal="250"))
        assert response.status_code == 302
        campaign.refresh_from_db()
        assert (campaign.title, campaign.goal) == (title, 250)


def test_edit_form_shows_current_values(client, campaign, owner):
    client.force_login(owner)
    html = client.get(edit_url(campaign)).content.decode()
    assert 'value="Take back control of party finances"' in html
    assert "The National Executive Committee" in html
    assert 'name="change_note"' in html  # published: a change note may be needed


def test_member_supporter_and_moderator_may_not_edit(
    client, campaign, member, supporter, moderator
):
    for user in (member, supporter, moderator):
        client.force_login(user)
        assert client.get(edit_url(campaign)).status_code == 403
        response = client.post(edit_url(campaign), edit_data(campaign, title="Hijacked"))
        assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title == "Take back control of party finances"


def test_stranger_editing_a_draft_gets_404(client, draft, member):
    client.force_login(member)
    assert client.get(edit_url(draft)).status_code == 404


def test_anonymous_is_sent_to_log_in_to_edit(client, campaign):
    response = client.get(edit_url(campaign))
    assert response["Location"].startswith(reverse("account_login"))


def test_change_to_the_ask_after_people_signed_asks_for_a_note_keeping_the_edit(
    client, campaign, owner, supporter
):
    client.force_login(owner)
    data = edit_data(campaign, ask="Publish quarterly management accounts too.")
    response = client.post(edit_url(campaign), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_change_note_error"' in html
    assert "Publish quarterly management accounts too." in html
    campaign.refresh_from_db()
    assert campaign.ask == "Publish the full audited accounts to members every year."
    data["change_note"] = "Conference asked for quarterly figures as well."
    assert client.post(edit_url(campaign), data).status_code == 302
    assert CampaignChange.objects.get().note == "Conference asked for quarterly figures as well."


def test_passed_deadline_may_stay_but_not_be_set(client, owner):
    campaign = factories.campaign(owner, deadline=timezone.localdate() + timedelta(days=2))
    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=timezone.localdate() - timedelta(days=3)
    )
    campaign.refresh_from_db()
    assert campaign.deadline is not None
    client.force_login(owner)
    data = edit_data(campaign, deadline=campaign.deadline.isoformat(), title="Still going")
    assert client.post(edit_url(campaign), data).status_code == 302
    data["deadline"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert "can&#x27;t be in the past" in client.post(edit_url(campaign), data).content.decode()


def test_keeping_an_image_still_needs_its_description(client, owner):
    from campaigns.images import clean_image

    campaign = factories.campaign(owner, image=clean_image(factories.upload()), image_alt="Banner")
    client.force_login(owner)
    response = client.post(edit_url(campaign), edit_data(campaign, image_alt=""))
    assert "Describe the image" in response.content.decode()
    response = client.post(edit_url(campaign), edit_data(campaign, remove_image="on"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert not campaign.image


def test_closed_campaign_edit_says_why(client, campaign, owner):
    from campaigns import services

    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Won.")
    client.force_login(owner)
    response = client.get(edit_url(campaign), follow=True)
    assert "A closed campaign can&#x27;t be edited" in response.content.decode()
