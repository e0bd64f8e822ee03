"""sitemap.xml (an index of paginated sitemaps) and robots.txt."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from forum import moderation, services
from forum.models import ContentState, Post, Section
from forum.sitemaps import PostSitemap
from tests.campaigns import factories as campaign_factories

from . import factories

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml_of(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 (our own site's output)


def locs(response, tag="url") -> list[str]:
    root = xml_of(response)
    return [el.findtext("sm:loc", namespaces=NS) or "" for el in root.findall(f"sm:{tag}", NS)]


def paths(urls: list[str]) -> list[str]:
    assert all(urlsplit(u).netloc == "testserver" for u in urls), urls
    return [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in urls]


def lastmods(response) -> list[str | None]:
    root = xml_of(response)
    return [el.findtext("sm:lastmod", namespaces=NS) for el in root.findall("sm:url", NS)]


@pytest.fixture
def site(member, other_member, moderator, organiser):
    listed = [factories.post(member, title=f"Listed {n}") for n in range(3)]
    draft = factories.post(member, title="A draft", publish=False)
    removed = factories.post(member, title="Removed")
    moderation.content_remove(actor=moderator, target=removed, reason="Spam")
    deleted = factories.post(member, title="Deleted")
    services.post_delete(post=deleted, actor=member)
    hidden = factories.post(member, title="Hidden")
    Post.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)
    open_campaign = campaign_factories.campaign(organiser, title="Open one")
    closed = campaign_factories.campaign(organiser, title="Closed one")
    campaign_services.campaign_close(campaign=closed, actor=organiser, outcome="won", story="Won.")
    campaign_factories.campaign(organiser, title="Draft one", publish=False)
    gone = campaign_factories.campaign(organiser, title="Removed one")
    moderation.content_remove(actor=moderator, target=gone, reason="Spam")
    return {
        "posts": listed,
        "unlisted": [draft, removed, deleted, hidden],
        "campaigns": [open_campaign, closed],
    }


def test_sitemap_index_lists_each_sitemap_reading_no_rows(client, site, django_assert_num_queries):
    # Per sitemap: its latest lastmod (one aggregate) and its count of rows (the pages).
    with django_assert_num_queries(6) as queries:
        response = client.get("/sitemap.xml")
    # Aggregates only: Django's default latest lastmod would load every post and campaign.
    for query in queries.captured_queries:
        assert "COUNT(" in query["sql"] or "MAX(" in query["sql"], query["sql"]
    assert response.headers["Last-Modified"]
    assert paths(locs(response, "sitemap")) == [
        "/sitemap-sections.xml",
        "/sitemap-posts.xml",
        "/sitemap-campaigns.xml",
    ]


def test_posts_sitemap_lists_listed_posts_only_with_lastmod(client, site):
    response = client.get("/sitemap-posts.xml")
    listed = site["posts"]
    # The campaigns' discussions are posts too, listed like any other.
    discussions = [c.discussion for c in site["campaigns"]]
    expected = {p.get_absolute_url() for p in [*listed, *discussions]}
    assert set(paths(locs(response))) == expected
    assert all(lastmods(response))
    text = response.content.decode()
    for unlisted in site["unlisted"]:
        assert f"/p/{unlisted.pk}/" not in text


def test_sections_sitemap_lists_every_section_dated_by_its_listed_posts(client, site):
    response = client.get("/sitemap-sections.xml")
    sections = Section.objects.order_by("position", "pk")
    assert paths(locs(response)) == [s.get_absolute_url() for s in sections]
    dated = dict(zip(paths(locs(response)), lastmods(response), strict=True))
    # A section is dated by its listed posts (its drafts and removed ones don't count); one
    # with none has no date.
    with_posts = {
        f"/s/{slug}/" for slug in Post.objects.listed().values_list("section__slug", flat=True)
    }
    assert "/s/party-finances/" in with_posts
    assert {path for path, date in dated.items() if date} == with_posts


def test_campaigns_sitemap_lists_open_and_closed_campaigns_only(client, site):
    response = client.get("/sitemap-campaigns.xml")
    assert sorted(paths(locs(response))) == sorted(c.get_absolute_url() for c in site["campaigns"])
    assert all(lastmods(response))


def test_sitemaps_paginate_in_constant_queries(
    client, member, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(PostSitemap, "limit", 2)
    made = [factories.post(member, title=f"Post {n}") for n in range(7)]
    index = paths(locs(client.get("/sitemap.xml"), "sitemap"))
    assert [p for p in index if p.startswith("/sitemap-posts.xml")] == [
        "/sitemap-posts.xml",
        "/sitemap-posts.xml?p=2",
        "/sitemap-posts.xml?p=3",
        "/sitemap-posts.xml?p=4",
    ]
    seen = []
    for page in range(1, 5):
        # The count, then the page's rows (pk, slug, last activity).
        with django_assert_num_queries(2):
            seen += paths(locs(client.get(f"/sitemap-posts.xml?p={page}")))
    assert seen == [p.get_absolute_url() for p in made]
    assert client.get("/sitemap-posts.xml?p=5").status_code == 404
    assert client.get("/sitemap-posts.xml?p=x").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_lastmod_is_the_posts_last_activity(client, member, other_member):
    post = factories.post(member, title="Busy")
    factories.comment(post, other_member, "A reply")
    post.refresh_from_db()
    assert post.last_activity_at <= timezone.now()
    (lastmod,) = lastmods(client.get("/sitemap-posts.xml"))
    assert lastmod is not None
    assert lastmod.startswith(post.last_activity_at.strftime("%Y-%m-%d"))


def test_robots_txt_keeps_crawlers_off_members_and_actions_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    for disallowed in (
        "/members/",
        "/account/",
        "/accounts/",
        "/messages/",
        "/admin/",
        "/moderation/",
        "/report/",
        "/search/",
        "/drafts/",
        "/*/edit/",
        "/*/delete/",
        "/*/reply/",
        "/*/vote/",
        "/*/recommend/",
        "/*/follow/",
    ):
        assert f"Disallow: {disallowed}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line == "Disallow: /" for line in lines)
    assert client.post("/robots.txt").status_code == 405
