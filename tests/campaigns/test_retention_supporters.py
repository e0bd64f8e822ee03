"""Supporter records of long-closed campaigns are forgotten by `manage.py retention --apply`."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Support
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def _closed(owner, title, *, days_ago):
    campaign = factories.campaign(owner, title=title)
    for i in range(3):
        factories.support(
            campaign, make_member(f"{title[:4].lower()}{i}"), name_visibility="public"
        )
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        services.campaign_close(
            campaign=campaign, actor=owner, outcome=Campaign.Outcome.WON, story="We won."
        )
    return Campaign.objects.get(pk=campaign.pk)


def _retention(*args):
    out = StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_supporters_of_campaigns_closed_past_the_period_are_forgotten_counts_kept(
    owner, settings, client
):
    settings.RETENTION_SUPPORTERS_MONTHS = 6
    old = _closed(owner, "Long ago", days_ago=190)
    recent = _closed(owner, "Lately", days_ago=170)
    still_open = factories.campaign(owner, title="Still open")
    factories.support(still_open, make_member("openfan"))

    assert "long0" in client.get(old.get_absolute_url()).content.decode()  # named in public
    report = _retention()  # a dry run by default
    assert "campaign-supporters: would forget 3 supporter records" in report
    assert "Dry run: nothing was changed" in report
    assert Support.objects.filter(campaign=old).count() == 3

    report = _retention("--apply")
    assert "campaign-supporters: forget 3 supporter records" in report
    assert not Support.objects.filter(campaign=old).exists()
    assert Support.objects.filter(campaign=recent).count() == 3
    assert Support.objects.filter(campaign=still_open).count() == 1
    old.refresh_from_db()
    assert old.support_count == 3  # the count stays
    assert "long0" not in client.get(old.get_absolute_url()).content.decode()

    assert "would forget 0" in _retention()  # nothing left to do


def test_a_reopened_campaign_keeps_its_supporters(owner, moderator, settings):
    settings.RETENTION_SUPPORTERS_MONTHS = 6
    campaign = _closed(owner, "Back again", days_ago=400)
    services.campaign_reopen(campaign=campaign, actor=moderator, reason="Closed by mistake")
    _retention("--apply")
    assert Support.objects.filter(campaign=campaign).count() == 3
