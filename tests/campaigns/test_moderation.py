"""Campaigns go through the forum's moderation tools: reports, hiding, removal, restoring."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from forum.models import ModerationAction, Report
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def report_url(campaign) -> str:
    return reverse("forum:report", args=["campaign", campaign.pk])


def moderate_url(campaign) -> str:
    return reverse("forum:moderate", args=["campaign", campaign.pk])


def test_member_reports_a_campaign_from_its_page(member_client, campaign):
    html = member_client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{report_url(campaign)}"' in html
    response = member_client.post(report_url(campaign), {"reason": "spam", "detail": ""})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.target == campaign


def test_enough_reports_hide_a_campaign_from_lists_and_support(client, campaign, settings):
    settings.FORUM_REPORTS_TO_HIDE = 2
    for name in ("r1", "r2"):
        # Only established members' reports hide things (new accounts could be sock puppets).
        client.force_login(make_member(name, date_joined=timezone.now() - timedelta(days=30)))
        client.post(report_url(campaign), {"reason": "abuse"})
    campaign.refresh_from_db()
    assert campaign.state == "hidden"
    assert "Take back control" not in client.get(reverse("campaigns:list")).content.decode()
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "hidden while moderators review reports" in html
    assert "We should see where it goes" not in html
    assert "no longer takes support" in html


def test_moderator_removes_a_campaign_with_a_reason(client, campaign, owner, moderator):
    client.force_login(moderator)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{moderate_url(campaign)}"' in html
    response = client.post(
        moderate_url(campaign), {"action": "remove", "reason": "Personal data of a third party"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.state, campaign.removed_reason) == (
        "removed",
        "Personal data of a third party",
    )
    assert ModerationAction.objects.get().target == campaign
    member_view = client.get(campaign.get_absolute_url())  # the moderator still reads it
    assert "We should see where it goes" in member_view.content.decode()
    client.force_login(make_member("reader"))
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "removed by a moderator: Personal data of a third party" in html
    assert "We should see where it goes" not in html
    client.force_login(owner)
    assert "We should see where it goes" in client.get(campaign.get_absolute_url()).content.decode()


def test_drafts_cannot_be_reported_by_strangers(member_client, draft):
    assert member_client.get(report_url(draft)).status_code == 404


def test_organisers_are_not_offered_to_report_their_own_campaign(client, campaign, owner):
    client.force_login(owner)
    assert "Report this campaign" not in client.get(campaign.get_absolute_url()).content.decode()
    response = client.post(report_url(campaign), {"reason": "spam"})
    assert "can&#x27;t report your own" in response.content.decode()
    assert Campaign.objects.get().state == "visible"
