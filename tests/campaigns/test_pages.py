"""The public pages: the list, a campaign's page, its updates, and "my campaigns"."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.images import clean_image
from campaigns.models import Campaign, CampaignUpdate
from forum.services import comment_create
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db

LIST = reverse("campaigns:list")


def titles(html: str) -> list[str]:
    return re.findall(r'class="campaign-title"><a href="[^"]+">([^<]+)</a>', html)


def support_many(campaign, n: int, prefix: str, **choices) -> list:
    users = [make_member(f"{prefix}{i}") for i in range(n)]
    for user in users:
        factories.support(campaign, user, **choices)
    return users


# The list ----------------------------------------------------------------------------------------


def test_list_orders_open_campaigns_by_support_newest_and_closing_soon(client, owner, member):
    today = timezone.localdate()
    factories.campaign(owner, title="Quiet", deadline=today + timedelta(days=30))
    popular = factories.campaign(owner, title="Popular", deadline=today + timedelta(days=3))
    undated = factories.campaign(owner, title="Undated")
    overdue = factories.campaign(owner, title="Overdue", deadline=today + timedelta(days=1))
    Campaign.objects.filter(pk=overdue.pk).update(deadline=today - timedelta(days=10))
    support_many(popular, 3, "p")
    factories.support(undated, member)
    by_support = titles(client.get(LIST).content.decode())
    assert by_support == ["Popular", "Undated", "Overdue", "Quiet"]
    newest = titles(client.get(LIST + "?sort=new").content.decode())
    assert newest == ["Overdue", "Undated", "Popular", "Quiet"]
    # Upcoming deadlines first, soonest first; then the rest (none, or passed) by support.
    closing = titles(client.get(LIST + "?sort=closing").content.decode())
    assert closing == ["Popular", "Quiet", "Undated", "Overdue"]


def test_won_and_lost_tabs_and_what_is_never_listed(client, owner):
    factories.campaign(owner, title="Still open")
    factories.campaign(owner, title="A draft", publish=False)
    won = factories.campaign(owner, title="Won one")
    lost = factories.campaign(owner, title="Lost one")
    archived = factories.campaign(owner, title="Archived one")
    services.campaign_close(campaign=won, actor=owner, outcome="won", story="Yes!")
    services.campaign_close(campaign=lost, actor=owner, outcome="lost", story="No.")
    services.campaign_close(campaign=archived, actor=owner, outcome="won", story="Yes.")
    services.campaign_archive(campaign=archived, actor=owner)
    assert titles(client.get(LIST).content.decode()) == ["Still open"]
    assert titles(client.get(LIST + "?show=won").content.decode()) == ["Won one"]
    assert titles(client.get(LIST + "?show=lost").content.decode()) == ["Lost one"]
    client.force_login(owner)  # not even for its organiser
    assert "A draft" not in client.get(LIST).content.decode()


def test_list_filters_by_section_and_ignores_unknown_values(client, owner):
    factories.campaign(owner, title="Money", section_slug="party-finances")
    factories.campaign(owner, title="Pickets", section_slug="unions")
    assert titles(client.get(LIST + "?section=unions").content.decode()) == ["Pickets"]
    html = client.get(LIST + "?section=nope&sort=bogus&show=weird&page=x").content.decode()
    assert sorted(titles(html)) == ["Money", "Pickets"]


def test_list_shows_progress_toward_the_goal(client, owner):
    campaign = factories.campaign(owner, title="Goal", goal=10)
    support_many(campaign, 4, "g")
    html = client.get(LIST).content.decode()
    assert '<progress max="10" value="4"' in html
    assert "4</strong> supporters, 6 to go to reach 10" in html


def test_list_query_count_is_constant(client, owner, django_assert_num_queries):
    for i in range(30):
        factories.campaign(owner, title=f"Campaign {i}")
    # page of campaigns and one more (+sections joined), the sections for the filter: no count
    with django_assert_num_queries(2):
        response = client.get(LIST)
    html = response.content.decode()
    assert len(titles(html)) == 20
    assert 'rel="next"' in html
    assert "show=open&amp;sort=support&amp;section=&amp;page=2" in html
    client.force_login(owner)
    # + session, user, and the user's groups (the header's moderator link)
    with django_assert_num_queries(5):
        client.get(LIST + "?sort=closing&page=2")


@pytest.mark.parametrize("outcome", ["won", "lost"])
@pytest.mark.parametrize("count", [2, 12])
def test_won_and_lost_tabs_query_count_does_not_grow(
    client, owner, outcome, count, django_assert_num_queries
):
    for i in range(count):
        campaign = factories.campaign(owner, title=f"{outcome} {i}")
        services.campaign_close(campaign=campaign, actor=owner, outcome=outcome, story="Done.")
    # the sections (filter), the page of campaigns and one more (+sections joined): 2 at any size
    with django_assert_num_queries(2):
        html = client.get(f"{LIST}?show={outcome}").content.decode()
    assert len(titles(html)) == count


# The campaign page -------------------------------------------------------------------------------


def test_campaign_page_makes_the_case(client, campaign, supporter):
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert '<h1 id="campaign-title">Take back control of party finances</h1>' in html
    assert "The National Executive Committee" in html
    assert "Publish the full audited accounts" in html
    assert "<strong>We should see where it goes.</strong>" in html
    assert "1</strong> supporter, 99 to go to reach 100" in html
    assert 'href="/accounts/login/?next=' in html  # log in to support


def test_draft_is_404_for_everyone_but_its_organisers(client, draft, owner, member, moderator):
    url = draft.get_absolute_url()
    assert client.get(url).status_code == 404
    for user in (member, moderator):
        client.force_login(user)
        assert client.get(url).status_code == 404
    cora = make_member("cora")
    services.organiser_add(campaign=draft, actor=owner, member=cora)
    for user in (owner, cora):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert "This is a draft." in html
        assert 'name="robots" content="noindex"' in html
    client.force_login(owner)
    assert "Publish</button>" in client.get(url).content.decode()


def test_supporters_are_named_only_as_each_chose(client, campaign):
    public = make_member("pat", display_name="Pat Public")
    members_only = make_member("mo", display_name="Mo Members")
    hidden = make_member("hid", display_name="Hidden Hal")
    factories.support(campaign, public, name_visibility="public")
    factories.support(campaign, members_only, name_visibility="members")
    factories.support(campaign, hidden, name_visibility="hidden")
    anonymous = client.get(campaign.get_absolute_url()).content.decode()
    assert "Pat Public" in anonymous
    assert "Mo Members" not in anonymous and "Hidden Hal" not in anonymous
    assert "3</strong> supporters" in anonymous
    client.force_login(make_member("reader"))
    logged_in = client.get(campaign.get_absolute_url()).content.decode()
    assert "Pat Public" in logged_in and "Mo Members" in logged_in
    assert "Hidden Hal" not in logged_in


def test_user_content_is_escaped_and_markdown_sanitised(client, owner):
    campaign = factories.campaign(
        owner,
        title="<script>alert(1)</script> Books",
        summary='"><script>alert(2)</script>',
        target="<img src=x onerror=alert(3)>",
        ask="<b>bold?</b>",
        body="<script>alert(4)</script> [x](javascript:alert(5))",
    )
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Books" in html
    assert 'content="&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html


def test_open_graph_and_twitter_tags_use_the_image(client, owner):
    campaign = factories.campaign(
        owner, title="Pictured", image=clean_image(factories.upload()), image_alt="A red banner"
    )
    html = client.get(campaign.get_absolute_url()).content.decode()
    image_url = f"http://testserver{campaign.image.url}"
    assert f'<meta property="og:image" content="{image_url}">' in html
    assert '<meta property="og:image:alt" content="A red banner">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (
        f'<meta property="og:url" content="http://testserver{campaign.get_absolute_url()}">' in html
    )
    assert '<meta property="og:title" content="Pictured">' in html
    assert f'src="{campaign.image.url}" alt="A red banner"' in html


def test_share_links_are_plain_links_without_third_party_scripts(client, campaign):
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "<script" not in html
    assert "<iframe" not in html
    page = "http%3A%2F%2Ftestserver%2Fcampaigns%2Ftake-back-control-of-party-finances%2F"
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={page}"' in html
    assert "https://twitter.com/intent/tweet?text=Take%20back%20control" in html
    assert 'href="mailto:?subject=Take%20back%20control%20of%20party%20finances&amp;body=' in html
    assert '<meta name="twitter:card" content="summary">' in html  # no image


def test_closed_campaign_shows_its_story_and_takes_no_support(client, campaign, owner, member):
    services.campaign_close(
        campaign=campaign, actor=owner, outcome="won", story="The NEC **agreed**."
    )
    client.force_login(member)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert '<h2 id="outcome-heading">Won</h2>' in html
    assert "The NEC <strong>agreed</strong>." in html
    assert "This campaign no longer takes support." in html
    assert "Support this campaign</button>" not in html
    assert "Share" not in html


def test_change_notes_are_shown_with_what_it_said_before(client, campaign, owner, supporter):
    services.campaign_update(
        campaign=campaign,
        actor=owner,
        change_note="The NEC passed it to the Treasurer.",
        fields=services.CampaignFields(
            title=campaign.title,
            summary=campaign.summary,
            target="The Treasurer",
            ask=campaign.ask,
            body=campaign.body,
            goal=campaign.goal,
            deadline=None,
            section=campaign.section,
        ),
    )
    client.force_login(supporter)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "changed <strong>who</strong>. “The NEC passed it to the Treasurer.”" in html
    assert "<dd>The National Executive Committee</dd>" in html  # what it said before
    assert "you can withdraw your support" in html


def test_discussion_link_shows_the_comment_count(client, campaign, member):
    for i in range(3):
        comment_create(post=campaign.discussion, actor=member, body=f"Agreed {i}")
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert (
        f'<a href="{campaign.discussion.get_absolute_url()}">3 comments in the forum →</a>' in html
    )


def test_campaign_page_query_count_is_constant(client, campaign, owner, django_assert_num_queries):
    support_many(campaign, 30, "pub", name_visibility="public")
    support_many(campaign, 20, "mem", name_visibility="members")
    support_many(campaign, 10, "hid")
    for i in range(15):
        CampaignUpdate.objects.create(
            campaign=campaign, author=owner, title=f"Update {i}", body="x", body_html="<p>x</p>"
        )
    for i in range(3):
        services.organiser_add(campaign=campaign, actor=owner, member=make_member(f"org{i}"))
    url = campaign.get_absolute_url()
    # campaign (+section, discussion), organisers (+users), named supporters (+users),
    # updates (+authors), change notes, which of the people shown are moderators (hats)
    with django_assert_num_queries(6):
        html = client.get(url).content.decode()
    assert html.count('class="campaign-update"') == 10
    assert html.count('<li><a href="/members/pub') == 12
    assert "All updates →" in html
    client.force_login(make_member("reader"))
    # + session, user, the user's groups (header), the reader's own support
    with django_assert_num_queries(10):
        client.get(url)


def test_moderator_sees_reopen_only_on_closed_campaigns(
    client, campaign, owner, moderator, django_assert_num_queries
):
    client.force_login(moderator)
    # session, user, groups (asked once: cached on the user), the page's 6, own support
    with django_assert_num_queries(10):
        html = client.get(campaign.get_absolute_url()).content.decode()
    assert "Reopen" not in html
    services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="No.")
    with django_assert_num_queries(10):
        html = client.get(campaign.get_absolute_url()).content.decode()
    assert "Reopen this campaign</button>" in html


def test_updates_page_paginates(client, campaign, owner):
    for i in range(12):
        CampaignUpdate.objects.create(
            campaign=campaign, author=owner, title=f"Update {i}", body="x", body_html="<p>x</p>"
        )
    url = reverse("campaigns:updates", args=[campaign.slug])
    first = client.get(url).content.decode()
    assert first.count('class="campaign-update"') == 10
    assert client.get(url + "?page=2").content.decode().count('class="campaign-update"') == 2


def test_archived_campaign_keeps_its_page(client, campaign, owner):
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="Yes.")
    services.campaign_archive(campaign=campaign, actor=owner)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "This campaign is archived" in html


def test_unknown_campaign_is_404(client, db):
    assert client.get(reverse("campaigns:detail", args=["nope"])).status_code == 404


# My campaigns ------------------------------------------------------------------------------------


def test_my_campaigns_lists_what_i_organise_and_support(
    client, owner, member, django_assert_num_queries
):
    factories.campaign(owner, title="My draft", publish=False)
    mine = factories.campaign(owner, title="My open one")
    theirs = factories.campaign(member, title="Alice's campaign")
    factories.support(theirs, owner, contact_ok=True)
    factories.support(mine, member)
    for i in range(5):
        factories.support(factories.campaign(member, title=f"More {i}"), owner)
    client.force_login(owner)
    # session, user, groups (header), organised campaigns (+sections), supports (+campaigns)
    with django_assert_num_queries(5):
        html = client.get(reverse("campaigns:mine")).content.decode()
    assert "My draft" in html and "My open one" in html
    assert "Alice&#x27;s campaign" in html
    assert "contact: yes" in html
    assert html.count("change or withdraw") == 6


def test_my_campaigns_needs_login(client, db):
    response = client.get(reverse("campaigns:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_page_has_no_forms_but_log_in(client, campaign):
    html = Client().get(campaign.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert Campaign.objects.count() == 1
