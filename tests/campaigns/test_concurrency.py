"""Support and moderation under real concurrency (PostgreSQL): the counter always equals the
rows, and taking a campaign down with its discussion can't deadlock with the people using them.

Each thread has its own connection and commits for real, so the unique constraint and the
campaign's row lock are what keep double clicks and simultaneous supporters apart.
"""

import pytest
from django.contrib.auth.models import Group

from accounts.models import MODERATORS_GROUP
from campaigns import services
from campaigns.models import Campaign, Support
from campaigns.services import ActionRefused
from forum.models import Post
from forum.moderation import content_remove
from forum.services import comment_create
from tests.concurrency import in_threads
from tests.conftest import make_member, requires_postgres

from . import factories

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def counted_and_stored(campaign: Campaign) -> tuple[int, int]:
    campaign.refresh_from_db()
    return campaign.support_count, Support.objects.filter(campaign=campaign).count()


def test_simultaneous_supporters_and_double_clicks_count_each_member_once():
    campaign = factories.campaign(make_member("owner"))
    fans = [make_member(f"fan{i}") for i in range(8)]
    refused: list[int] = []

    def support(index: int) -> None:
        # Sixteen threads, eight members: every member clicks twice at the same moment.
        try:
            factories.support(campaign, fans[index % 8], contact_ok=index % 3 == 0)
        except ActionRefused:
            refused.append(index)

    errors = in_threads(support, 16, who="a supporter")
    assert errors == [], "\n".join(errors)
    assert len(refused) == 8
    assert counted_and_stored(campaign) == (8, 8)


def test_withdrawals_and_supports_racing_keep_the_counter_exact():
    campaign = factories.campaign(make_member("owner"))
    old = [make_member(f"old{i}") for i in range(6)]
    new = [make_member(f"new{i}") for i in range(6)]
    for user in old:
        factories.support(campaign, user)

    def act(index: int) -> None:
        # Old supporters withdraw (twice each, one refused); new ones support (twice, one refused).
        user = (old + new)[index % 12]
        try:
            if user in old:
                services.support_withdraw(campaign=campaign, actor=user)
            else:
                factories.support(campaign, user)
        except ActionRefused:
            pass

    errors = in_threads(act, 24, who="a supporter")
    assert errors == [], "\n".join(errors)
    assert counted_and_stored(campaign) == (6, 6)
    assert set(Support.objects.values_list("user__username", flat=True)) == {
        u.username for u in new
    }


def test_removing_a_campaign_while_members_comment_and_support_never_deadlocks():
    """The removal locks the campaign, then its discussion post (Campaign.after_moderation);
    commenters lock the post, then themselves; supporters lock the campaign. No cycle: every
    thread ends, done or refused, and none dies of a deadlock."""
    owner = make_member("owner")
    campaign = factories.campaign(owner)
    moderator = make_member("mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    members = [owner, *(make_member(f"m{i}") for i in range(11))]
    discussion = campaign.discussion
    assert discussion is not None

    def act(index: int) -> None:
        try:
            if index == 0:
                content_remove(actor=moderator, target=campaign, reason="Personal data")
            elif index % 2:
                # The owner among them: the removal's log entry references the owner's row.
                author = members[index // 2]
                comment_create(post=discussion, actor=author, body=f"Yes {index}")
            else:
                factories.support(campaign, members[index // 2 + 6])
        except ActionRefused:
            pass  # came after the removal: refused, as it should be

    errors = in_threads(act, 12, who="a supporter")
    assert errors == [], "\n".join(errors)
    campaign.refresh_from_db()
    assert campaign.state == "removed"
    assert campaign.discussion_id is not None
    assert Post.objects.get(pk=campaign.discussion_id).state == "removed"
    counted, stored = counted_and_stored(campaign)
    assert counted == stored
