"""A moderator reopens a closed or archived campaign: a moderator action, with a reason, logged."""

import pytest
from django.urls import reverse

from accounts.models import Notification
from campaigns import services
from campaigns.models import Campaign
from campaigns.services import ActionRefused
from forum.models import ModerationAction
from tests.conftest import activate_totp, make_member

pytestmark = pytest.mark.django_db

REASON = "Closed by mistake: the NEC vote is next month"


@pytest.fixture
def closed(campaign, owner):
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="They said no.")
    return campaign


def reopen_url(campaign) -> str:
    return reverse("campaigns:reopen", args=[campaign.slug])


def test_closed_campaign_page_offers_moderators_a_reason_field(client, closed, moderator):
    client.force_login(moderator)
    html = client.get(closed.get_absolute_url()).content.decode()
    assert f'action="{reopen_url(closed)}"' in html
    assert '<label for="id_reason">Why reopen it?</label>' in html
    assert 'name="reason"' in html


def test_moderator_reopens_with_a_reason_logged_in_public_and_organisers_told(
    client, closed, owner, co_organiser, moderator, on_commit
):
    client.force_login(moderator)
    with on_commit():
        response = client.post(reopen_url(closed), {"reason": REASON})
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.is_open
    entry = ModerationAction.objects.get(action=ModerationAction.Action.REOPEN)
    assert (entry.moderator, entry.target, entry.target_user) == (moderator, closed, owner)
    assert (entry.reason, entry.is_public) == (REASON, True)
    # The owner hears it from the moderation log's notice, the co-organiser from the campaign.
    owner_notes = Notification.objects.filter(user=owner)
    assert [(n.kind, REASON in n.message) for n in owner_notes] == [("moderation", True)]
    cora_note = Notification.objects.get(user=co_organiser, kind="campaign_reopened")
    assert REASON in cora_note.message
    client.logout()
    log = client.get(reverse("forum:moderation-log")).content.decode()
    assert REASON in log
    assert f"campaign #{closed.pk} by @olu" in log


def test_reopen_without_a_reason_is_refused(client, closed, moderator):
    client.force_login(moderator)
    response = client.post(reopen_url(closed), {"reason": "   "})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    closed.refresh_from_db()
    assert closed.is_closed
    assert not ModerationAction.objects.exists()
    with pytest.raises(ActionRefused, match="Give a reason"):
        services.campaign_reopen(campaign=closed, actor=moderator, reason=" \n ")
    assert Campaign.objects.get(pk=closed.pk).is_closed


def test_a_refused_reopen_keeps_what_the_moderator_typed(client, closed, moderator):
    client.force_login(moderator)
    typed = "Reopened: " + "x" * 300  # past the 300 characters the log keeps
    response = client.post(reopen_url(closed), {"reason": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 300 characters" in html
    assert f'value="{typed}"' in html
    closed.refresh_from_db()
    assert closed.is_closed


@pytest.mark.parametrize("who", ["member", "owner", "co_organiser"])
def test_non_moderators_cannot_reopen(client, closed, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.post(reopen_url(closed), {"reason": REASON}).status_code == 403
    with pytest.raises(ActionRefused, match="Only moderators"):
        services.campaign_reopen(campaign=closed, actor=user, reason=REASON)
    closed.refresh_from_db()
    assert closed.is_closed
    assert not ModerationAction.objects.exists()


def test_superuser_reopens_without_being_in_the_moderators_group(client, closed):
    admin = make_member("root", is_staff=True, is_superuser=True)
    activate_totp(admin)
    client.force_login(admin)
    assert client.post(reopen_url(closed), {"reason": REASON}).status_code == 302
    closed.refresh_from_db()
    assert closed.is_open
    assert ModerationAction.objects.get(action="reopen").moderator == admin


def test_reopen_is_post_only(client, closed, moderator):
    client.force_login(moderator)
    assert client.get(reopen_url(closed)).status_code == 405
    closed.refresh_from_db()
    assert closed.is_closed
