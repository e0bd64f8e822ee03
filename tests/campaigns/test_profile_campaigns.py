"""The campaigns a member organises on their public page (campaigns.profile): listed ones only,
with what the campaign page shows anyone; never the campaigns they support."""

import pytest

from campaigns import services
from campaigns.profile import SHOWN
from forum import moderation
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def organised_texts(page):
    return [li.text for li in page.html.select("#campaigns li")]


def test_lists_listed_campaigns_they_organise_newest_first(
    app, owner, member, moderator, campaign, co_organiser
):
    factories.campaign(owner, title="Fund the food bank")
    closed = factories.campaign(owner, title="Keep the library open")
    services.campaign_close(campaign=closed, actor=owner, outcome="won", story="We did it.")
    for viewer in (None, member, owner, moderator):
        rows = organised_texts(app.get(owner.get_absolute_url(), user=viewer))
        assert len(rows) == 3
        assert "Keep the library open" in rows[0] and "Won" in rows[0]
        assert "Fund the food bank" in rows[1] and "Open" in rows[1]
        assert "Take back control of party finances" in rows[2] and "(started it)" in rows[2]
        assert "0 supporters" in rows[2]
    # A co-organiser's page names it too, without "started it".
    rows = organised_texts(app.get(co_organiser.get_absolute_url()))
    assert len(rows) == 1 and "party finances" in rows[0] and "started it" not in rows[0]
    link = app.get(co_organiser.get_absolute_url()).click("Take back control of party finances")
    assert link.request.path == campaign.get_absolute_url()


def test_drafts_archived_hidden_and_removed_are_not_listed(app, owner, moderator, draft):
    archived = factories.campaign(owner, title="An archived campaign")
    services.campaign_close(campaign=archived, actor=owner, outcome="lost", story="We lost.")
    services.campaign_archive(campaign=archived, actor=owner)
    removed = factories.campaign(owner, title="A removed campaign")
    moderation.content_remove(actor=moderator, target=removed, reason="Spam")
    hidden = factories.campaign(owner, title="A hidden campaign")
    type(hidden).objects.filter(pk=hidden.pk).update(state="hidden")
    for viewer in (None, owner, moderator):
        page = app.get(owner.get_absolute_url(), user=viewer)
        # (An archived campaign's discussion stays a listed post, in the forum's part.)
        assert not page.html.select("#campaigns")
        assert "Back Rosa for Treasurer" not in page.text
        assert "A removed campaign" not in page.text


def test_campaigns_they_support_are_never_shown(app, campaign, member, moderator):
    factories.support(campaign, member, name_visibility="public")
    other = make_member("pat")
    factories.support(campaign, other, name_visibility="hidden")
    for supporter in (member, other):
        for viewer in (None, supporter, moderator):
            page = app.get(supporter.get_absolute_url(), user=viewer)
            assert not page.html.select("#campaigns")
            assert campaign.title not in page.text


def test_shows_ten_and_how_many_more(app, owner):
    for n in range(SHOWN + 2):
        factories.campaign(owner, title=f"Campaign number {n}")
    page = app.get(owner.get_absolute_url())
    assert len(organised_texts(page)) == SHOWN
    assert "And 2 more" in page.html.select_one("#campaigns").text


@pytest.mark.parametrize("count", [2, SHOWN + 5])
def test_query_count_does_not_grow_with_campaigns(
    client, owner, member, count, django_assert_num_queries
):
    for n in range(count):
        factories.campaign(owner, title=f"Campaign {n}")
    client.force_login(member)
    # As tests/forum/test_profile_activity.py counts (the session, the viewer, the owner, blocks,
    # groups twice, affiliations, the activity union and its posts: each campaign's discussion is
    # a post of the owner's), plus one for the campaigns, and one count when there are more than
    # ten. No comments: that query is skipped.
    with django_assert_num_queries(10 if count <= SHOWN else 11):
        client.get(owner.get_absolute_url())
