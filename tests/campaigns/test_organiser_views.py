"""Organisers' tools: publish, updates, close, archive, reopen, co-organisers."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from campaigns import services
from campaigns.models import Campaign, CampaignUpdate, Organiser
from forum.models import Post
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def url(name: str, campaign, *args) -> str:
    return reverse(f"campaigns:{name}", args=[campaign.slug, *args])


# Publishing --------------------------------------------------------------------------------------


def test_owner_publishes_a_draft_and_its_discussion_opens(client, draft, owner):
    client.force_login(owner)
    response = client.post(url("publish", draft))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    discussion = Post.objects.get(pk=draft.discussion_id)
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "The campaign is published." in html
    assert discussion.get_absolute_url() in html


def test_publish_is_post_only(client, draft, owner):
    client.force_login(owner)
    assert client.get(url("publish", draft)).status_code == 405
    draft.refresh_from_db()
    assert draft.is_draft


def test_publishing_twice_says_so(client, campaign, owner):
    client.force_login(owner)
    response = client.post(url("publish", campaign), follow=True)
    assert "already published" in response.content.decode()
    assert Post.objects.count() == 1


def test_forum_rate_limit_on_the_discussion_is_shown_and_the_draft_kept(client, settings):
    settings.FORUM_RATE_LIMITS = True
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        # Joined two hours ago, still in the first day: a new member's limits apply. The draft
        # is from then, so starting the other two now stays within the campaign limit.
        newcomer = make_member("nia")
        third = factories.campaign(newcomer, title="Third campaign", publish=False)
    for title in ("First", "Second"):
        factories.campaign(newcomer, title=title)  # each opens a discussion post
    client.force_login(newcomer)
    response = client.post(url("publish", third), follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(third.get_absolute_url(), 302)]
    assert (
        "You are posting faster than the site allows "
        "(at most 2 posts an hour in your first day)" in html
    )
    # Nothing half-done: still a draft, as written, with its Publish button, and no post.
    third.refresh_from_db()
    assert (third.status, third.discussion, third.published_at) == ("draft", None, None)
    assert Post.objects.filter(author=newcomer).count() == 2
    assert '<h1 id="campaign-title">Third campaign</h1>' in html
    assert "We should see where it goes." in html
    assert "Publish</button>" in html


# Updates -----------------------------------------------------------------------------------------


def test_organiser_posts_an_update_that_reaches_supporters(
    client, campaign, co_organiser, supporter, django_capture_on_commit_callbacks
):
    client.force_login(co_organiser)
    assert "Post an update" in client.get(url("update-create", campaign)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("update-create", campaign),
            {"title": "We met the NEC", "body": "They *listened*.", "action": "send"},
        )
    update = CampaignUpdate.objects.get()
    assert response["Location"] == f"{campaign.get_absolute_url()}#update-{update.pk}"
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert f'id="update-{update.pk}"' in html
    assert "They <em>listened</em>." in html
    assert Notification.objects.get(user=supporter).kind == "campaign_update"
    [email] = mail.outbox
    assert email.to == [supporter.email]
    assert "http://testserver/campaigns/take-back-control-of-party-finances/#update-" in email.body


def test_double_clicked_update_is_posted_and_sent_once(client, campaign, owner, supporter):
    client.force_login(owner)
    data = {"title": "We met the NEC", "body": "They listened.", "action": "send"}
    first = client.post(url("update-create", campaign), data)
    second = client.post(url("update-create", campaign), data)
    update = CampaignUpdate.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == (f"{campaign.get_absolute_url()}#update-{update.pk}")
    )


def test_update_preview_does_not_send(client, campaign, owner, supporter):
    client.force_login(owner)
    response = client.post(
        url("update-create", campaign), {"title": "Hi", "body": "**Bold**", "action": "preview"}
    )
    assert "<strong>Bold</strong>" in response.content.decode()
    assert not CampaignUpdate.objects.exists()
    assert not Notification.objects.exists()


def test_fourth_update_in_a_week_is_refused_keeping_the_text(client, campaign, owner):
    for i in range(3):
        services.campaign_announce(campaign=campaign, actor=owner, title=f"U{i}", body="x")
    client.force_login(owner)
    response = client.post(
        url("update-create", campaign),
        {"title": "One more", "body": "Please read this too.", "action": "send"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 3 updates in 7 days" in html
    assert 'value="One more"' in html and "Please read this too." in html
    assert CampaignUpdate.objects.count() == 3


def test_empty_update_is_refused(client, campaign, owner):
    client.force_login(owner)
    response = client.post(url("update-create", campaign), {"title": " ", "body": " "})
    html = response.content.decode()
    assert "Give the update a title." in html
    assert "Write the update before you send it." in html


# Closing, archiving, reopening -------------------------------------------------------------------


def test_organiser_closes_with_a_story(
    client, campaign, owner, supporter, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    html = client.get(url("close", campaign)).content.decode()
    assert 'value="withdrawn"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("close", campaign), {"outcome": "won", "story": "The NEC **agreed** to publish."}
        )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.outcome) == ("closed", "won")
    assert Notification.objects.filter(user=supporter, kind="campaign_closed").exists()


def test_closing_without_a_story_keeps_the_choice(client, campaign, owner):
    client.force_login(owner)
    response = client.post(url("close", campaign), {"outcome": "lost", "story": ""})
    html = response.content.decode()
    assert "Tell supporters what happened." in html
    assert 'value="lost" id="id_outcome_1" required checked' in html
    campaign.refresh_from_db()
    assert campaign.is_open


def test_closing_a_closed_campaign_says_so(client, campaign, owner):
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Yes.")
    client.force_login(owner)
    response = client.post(url("close", campaign), {"outcome": "lost", "story": "Hmm."})
    assert "Only an open campaign can be closed." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.outcome == "won"


def test_archive_then_moderator_reopens(client, campaign, owner, moderator):
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Yes.")
    client.force_login(owner)
    assert client.post(url("archive", campaign)).status_code == 302
    campaign.refresh_from_db()
    assert campaign.is_archived
    client.force_login(moderator)
    response = client.post(url("reopen", campaign), {"reason": "Archived by mistake"}, follow=True)
    assert "The campaign is open again" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.is_open


def test_archiving_an_open_campaign_says_so(client, campaign, owner):
    client.force_login(owner)
    response = client.post(url("archive", campaign), follow=True)
    assert "Only a closed campaign can be archived." in response.content.decode()


def test_reopening_an_open_campaign_says_so(client, campaign, moderator):
    client.force_login(moderator)
    response = client.post(url("reopen", campaign), {"reason": "Closed by mistake"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only a closed or archived campaign can be reopened." in html
    assert 'value="Closed by mistake"' in html


# Co-organisers -----------------------------------------------------------------------------------


def test_owner_adds_a_co_organiser_by_username(client, campaign, owner, member):
    client.force_login(owner)
    response = client.post(url("organisers", campaign), {"username": "@ALICE"})
    assert response.status_code == 302
    assert campaign.organisers.filter(user=member, role="organiser").exists()
    html = client.get(url("organisers", campaign)).content.decode()
    assert "Alice Okafor is now an organiser." in html
    assert "Remove</button>" in html


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", "There is no member called nobody."),
        ("olu", "Olu Adeyemi is already an organiser."),
        ("", "Enter a member&#x27;s username."),
    ],
)
def test_adding_a_bad_organiser_says_why(client, campaign, owner, username, message):
    client.force_login(owner)
    response = client.post(url("organisers", campaign), {"username": username})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_co_organiser_sees_organisers_but_cannot_add(client, campaign, co_organiser, member):
    client.force_login(co_organiser)
    html = client.get(url("organisers", campaign)).content.decode()
    assert "Add an organiser" not in html
    assert "Step down</button>" in html
    assert client.post(url("organisers", campaign), {"username": "alice"}).status_code == 403
    assert not campaign.organisers.filter(user=member).exists()


def test_owner_removes_a_co_organiser(
    client, campaign, owner, co_organiser, django_capture_on_commit_callbacks
):
    cora = campaign.organisers.get(user=co_organiser)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("organiser-remove", campaign, cora.pk)).status_code == 302
    assert not Organiser.objects.filter(pk=cora.pk).exists()
    assert Notification.objects.filter(user=co_organiser, message__contains="no longer").exists()


def test_co_organiser_steps_down_but_cannot_remove_others(client, campaign, owner, co_organiser):
    other = make_member("dee")
    services.organiser_add(campaign=campaign, actor=owner, member=other)
    client.force_login(co_organiser)
    dee = campaign.organisers.get(user=other)
    assert client.post(url("organiser-remove", campaign, dee.pk)).status_code == 403
    owner_row = campaign.organisers.get(user=owner)
    assert client.post(url("organiser-remove", campaign, owner_row.pk)).status_code == 403
    mine = campaign.organisers.get(user=co_organiser)
    response = client.post(url("organiser-remove", campaign, mine.pk))
    assert response["Location"] == campaign.get_absolute_url()
    assert set(campaign.organisers.values_list("user__username", flat=True)) == {"olu", "dee"}


def test_owner_cannot_remove_themselves(client, campaign, owner):
    client.force_login(owner)
    row = campaign.organisers.get(user=owner)
    response = client.post(url("organiser-remove", campaign, row.pk), follow=True)
    assert "The owner can&#x27;t be removed." in response.content.decode()
    assert Organiser.objects.filter(pk=row.pk).exists()


def test_removing_an_organiser_of_another_campaign_is_404(client, campaign, owner, member):
    other = Campaign.objects.get(pk=campaign.pk)
    elsewhere = services.campaign_create(
        actor=member,
        fields=services.CampaignFields(
            title="Elsewhere",
            summary="s",
            target="t",
            ask="a",
            body="b",
            goal=1,
            deadline=None,
            section=other.section,
        ),
    )
    row = elsewhere.organisers.get()
    client.force_login(owner)
    assert client.post(url("organiser-remove", campaign, row.pk)).status_code == 404
    assert Organiser.objects.filter(pk=row.pk).exists()
