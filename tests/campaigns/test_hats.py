"""Hats on campaign pages and in a campaign's discussion: organisers show "organiser", moderators
"moderator", and a display name that claims either role shows neither."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import MODERATORS_GROUP
from campaigns import services
from campaigns.models import Organiser
from forum.services import comment_create
from tests.conftest import make_member
from tests.forum import factories as forum_factories

from . import factories

pytestmark = pytest.mark.django_db


def hat_names(node):
    return [span.get_text() for span in node.select(".hat")]


def named(nodes, name):
    """The list item (or byline) among `nodes` whose text starts with this display name."""
    found = [node for node in nodes if node.get_text(" ", strip=True).startswith(name)]
    assert len(found) == 1, [node.get_text(" ", strip=True) for node in nodes]
    return found[0]


@pytest.fixture
def impostor(campaign):
    """A supporter who named themselves after the organiser, role and all."""
    user = make_member("olu_a", display_name="Olu Adeyemi (organiser)")
    factories.support(campaign, user, name_visibility="public")
    return user


def post_update(campaign, author, title="We met the committee"):
    return services.campaign_announce(
        campaign=campaign, actor=author, title=title, body="Progress."
    )


def test_organisers_wear_the_organiser_hat_on_the_campaign_page(
    app, campaign, owner, co_organiser, impostor
):
    post_update(campaign, co_organiser)
    page = app.get(campaign.get_absolute_url()).html
    organisers = page.select(".organiser-list li")
    assert hat_names(named(organisers, "Olu Adeyemi")) == ["organiser"]
    assert hat_names(named(organisers, "Cora Lewis")) == ["organiser"]
    assert named(organisers, "Olu Adeyemi").select_one(".hat")["title"] == (
        "An organiser of this campaign"
    )
    # The update's byline says who wrote it, and that they organise the campaign.
    assert hat_names(page.select_one(".campaign-update .meta")) == ["organiser"]
    # The copied name in the supporters' list carries no hat.
    supporters = page.select(".supporter-list li")
    assert hat_names(named(supporters, "Olu Adeyemi (organiser)")) == []


def test_the_updates_page_shows_the_organiser_hat_while_they_organise(
    app, campaign, owner, co_organiser
):
    post_update(campaign, co_organiser)
    url = reverse("campaigns:updates", args=[campaign.slug])
    assert hat_names(app.get(url).html.select_one(".campaign-update .meta")) == ["organiser"]
    stepped_down = Organiser.objects.get(campaign=campaign, user=co_organiser)
    services.organiser_remove(campaign=campaign, actor=co_organiser, organiser=stepped_down)
    # Their update stays, signed with their name, but they no longer organise the campaign.
    assert hat_names(app.get(url).html.select_one(".campaign-update .meta")) == []


def test_a_moderator_supporting_a_campaign_wears_the_moderator_hat(
    app, campaign, moderator, superuser
):
    factories.support(campaign, moderator, name_visibility="public")
    factories.support(campaign, superuser, name_visibility="public")
    impostor = make_member("maya_p", display_name="Maya Patel (moderator)")
    factories.support(campaign, impostor, name_visibility="public")
    supporters = app.get(campaign.get_absolute_url()).html.select(".supporter-list li")
    assert hat_names(named(supporters, "Maya Patel (moderator)")) == []
    real = [node for node in supporters if node.get_text(strip=True).startswith("Maya Patel")]
    assert [hat_names(node) for node in real if "(moderator)" not in node.get_text()] == [
        ["moderator"]
    ]
    assert hat_names(named(supporters, "root")) == ["moderator"]


def test_an_organiser_who_moderates_wears_both_hats(app, campaign, owner):
    owner.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    organisers = app.get(campaign.get_absolute_url()).html.select(".organiser-list li")
    assert hat_names(named(organisers, "Olu Adeyemi")) == ["moderator", "organiser"]


def test_campaign_page_costs_one_query_for_hats_however_many_people(
    client, campaign, owner, django_assert_num_queries
):
    group = Group.objects.get(name=MODERATORS_GROUP)
    for i in range(3):
        services.organiser_add(campaign=campaign, actor=owner, member=make_member(f"org{i}"))
    for i in range(20):
        user = make_member(f"pub{i}")
        if i % 2:
            user.groups.add(group)
        factories.support(campaign, user, name_visibility="public")
    for i in range(3):  # at most 3 updates a week
        post_update(campaign, owner, title=f"Update {i}")
    # campaign (+section, discussion), organisers (+users), named supporters (+users),
    # updates (+authors), change notes, and which of the people shown are moderators
    with django_assert_num_queries(6):
        html = client.get(campaign.get_absolute_url()).content.decode()
    assert html.count('class="hat hat-moderator"') == 6  # 6 of the 12 supporters listed
    assert html.count('class="hat hat-organiser"') == 4 + 3  # organiser list, update bylines


# The campaign's discussion thread ----------------------------------------------------------------


def test_organisers_wear_the_hat_in_their_campaigns_discussion_only(
    app, campaign, owner, co_organiser, member
):
    discussion = campaign.discussion
    by_owner = comment_create(post=discussion, actor=owner, body="Thanks for the support!")
    by_co = comment_create(post=discussion, actor=co_organiser, body="Meeting on Tuesday.")
    by_member = comment_create(post=discussion, actor=member, body="Count me in.")
    page = app.get(discussion.get_absolute_url()).html
    assert hat_names(page.select_one("article.post header")) == ["organiser"]
    assert hat_names(page.select_one(f"#c{by_owner.pk} .comment-head")) == ["organiser"]
    assert hat_names(page.select_one(f"#c{by_co.pk} .comment-head")) == ["organiser"]
    assert hat_names(page.select_one(f"#c{by_member.pk} .comment-head")) == []
    permalink = app.get(by_co.get_absolute_url()).html
    assert hat_names(permalink.select_one(f"#c{by_co.pk} .comment-head")) == ["organiser"]

    # Elsewhere in the forum the organiser is a member like any other.
    elsewhere = forum_factories.post(member, title="Branch social")
    there = comment_create(post=elsewhere, actor=owner, body="See you there.")
    page = app.get(elsewhere.get_absolute_url()).html
    assert hat_names(page.select_one(f"#c{there.pk} .comment-head")) == []


def test_another_campaigns_organiser_wears_no_hat_in_this_discussion(app, campaign, owner, member):
    factories.campaign(member, title="Another campaign")
    reply = comment_create(post=campaign.discussion, actor=member, body="Good luck.")
    page = app.get(campaign.discussion.get_absolute_url()).html
    assert hat_names(page.select_one(f"#c{reply.pk} .comment-head")) == []


@pytest.mark.parametrize("n", [1, 30])
def test_a_discussion_with_many_organisers_keeps_its_query_count(
    client, campaign, owner, n, django_assert_num_queries
):
    for i in range(n):
        user = make_member(f"writer{i}")
        if i % 3 == 0 and i:
            services.organiser_add(campaign=campaign, actor=owner, member=user)
        comment_create(post=campaign.discussion, actor=user, body=f"Comment {i}")
    # post (+author, section, the author's hats), the top-level comments (no replies to fetch),
    # the comments shown (+authors, their hats)
    with django_assert_num_queries(3):
        html = client.get(campaign.discussion.get_absolute_url()).content.decode()
    # The post's author (the owner) and every co-organiser who commented.
    assert html.count('class="hat hat-organiser"') == 1 + len(range(3, n, 3))
