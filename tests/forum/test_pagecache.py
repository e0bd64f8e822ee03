"""The anonymous page cache (forum/pagecache.py): what a visitor with no session is served from the
shared cache, that every write they would see makes it stale, and that no member's page, cookie,
CSRF token or CSP nonce is ever stored or served to someone else.

The conftest turns the cache off for every other test; these turn it on. A write's bump runs on
commit: the `on_commit` fixture runs it as a real commit would (tests are rolled back)."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.urls import path, reverse

from accounts.models import MODERATORS_GROUP
from forum import moderation, pagecache, services
from forum.models import Comment, Post
from forum.pagecache import anonymous_page_cache
from tests.conftest import make_member
from tests.webforms import buttons_to, form_to

from . import factories

pytestmark = pytest.mark.django_db

# A hit reads the page and the generation in one get_many: one query with the database cache,
# none with Redis.
HIT_QUERIES = 1 if isinstance(caches["default"], DatabaseCache) else 0


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30


@pytest.fixture
def post(member):
    return factories.post(member, title="Open the party's books", body="We want **every** line.")


def stored(url: str) -> bool:
    """Is there a cached page for this address (as the test client asks for it)?"""
    return cache.get(pagecache._key(RequestFactory().get(url))) is not None


def retitle_behind_the_cache(post: Post, title: str) -> None:
    """Change what a page shows without telling the cache: a page that still shows the old title
    came from the cache."""
    Post.objects.filter(pk=post.pk).update(title=title)


# Hits ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "newest", "section", "post", "comment"])
def test_a_second_anonymous_visit_is_served_from_the_cache(
    client, post, other_member, django_assert_num_queries, page
):
    comment = factories.comment(post, other_member, "First!")
    url = {
        "home": reverse("forum:home"),
        "newest": reverse("forum:newest"),
        "section": reverse("forum:section", args=["party-finances"]),
        "post": post.get_absolute_url(),
        "comment": comment.get_absolute_url(),
    }[page]
    first = client.get(url)
    assert first.status_code == 200
    assert stored(url)
    retitle_behind_the_cache(post, "A title nobody sees yet")
    with django_assert_num_queries(HIT_QUERIES):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]
    assert "Open the party&#x27;s books" in second.text
    assert not second.cookies


def test_the_query_string_is_part_of_the_address(client, post, other_member):
    factories.comment(post, other_member, "First!")
    url = post.get_absolute_url()
    client.get(url)
    retitle_behind_the_cache(post, "Renamed behind the cache")
    assert "Renamed behind the cache" in client.get(url + "?sort=old").text
    assert "Renamed behind the cache" not in client.get(url).text


def test_recommended_and_the_campaign_pages_are_cached_too(client, post, organiser):
    from tests.campaigns import factories as campaign_factories

    campaign = campaign_factories.campaign(organiser, title="Publish the accounts")
    for url in [
        reverse("forum:recommended"),
        reverse("campaigns:list"),
        campaign.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 200
        assert stored(url), url


def test_search_is_not_cached(client, post):
    url = reverse("forum:search") + "?q=books"
    assert client.get(url).status_code == 200
    assert not stored(url)


def test_head_is_served_and_fills_the_cache_for_get(client, post, django_assert_num_queries):
    url = post.get_absolute_url()
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert stored(url)
    with django_assert_num_queries(2 * HIT_QUERIES):
        get = client.get(url)
        again = client.head(url)
    assert "Open the party&#x27;s books" in get.text
    assert again.status_code == 200
    assert again.content == b""
    assert again["Content-Type"] == get["Content-Type"]


# Invalidation -----------------------------------------------------------------------------------


def test_a_comment_posted_through_the_form_shows_to_anonymous_at_once(
    app, client, post, other_member, on_commit
):
    url = post.get_absolute_url()
    assert "Hear, hear" not in client.get(url).text
    assert stored(url)
    detail = app.get(url, user=other_member)
    form = form_to(detail, reverse("forum:comment-create", args=[post.pk]))
    form["body"] = "Hear, *hear*."
    with on_commit():
        form.submit().follow()
    assert Comment.objects.filter(body="Hear, *hear*.").exists()
    page = client.get(url)
    assert "Hear, <em>hear</em>." in page.text
    # And the lists' comment counts with it.
    assert stored(url)


def test_a_vote_through_the_form_invalidates(app, client, post, member, other_member, on_commit):
    comment = factories.comment(post, other_member, "Vote me")
    url = post.get_absolute_url() + "?sort=old"
    assert "· 0 points" in client.get(url).text
    page = app.get(url, user=member)
    with on_commit():
        buttons_to(page, reverse("forum:comment-vote", args=[comment.pk])).submit("up")
    assert re.search(r"· 1 point\s", client.get(url).text)


def test_a_recommendation_invalidates(client, post, other_member, on_commit):
    url = reverse("forum:home")
    client.get(url)
    retitle_behind_the_cache(post, "Seen after the recommendation")
    with on_commit():
        services.post_recommend(post=post, actor=other_member)
    assert "Seen after the recommendation" in client.get(url).text


def test_a_moderator_removing_a_comment_invalidates(
    client, post, other_member, moderator, on_commit
):
    comment = factories.comment(post, other_member, "Something libellous")
    url = post.get_absolute_url()
    assert "Something libellous" in client.get(url).text
    with on_commit():
        moderation.content_remove(actor=moderator, target=comment, reason="Libel")
    assert "Something libellous" not in client.get(url).text


def test_a_new_display_name_and_a_moderator_hat_invalidate(client, post, member, on_commit):
    url = post.get_absolute_url()
    assert "Alice Okafor" in client.get(url).text
    with on_commit():
        member.display_name = "Alice O."
        member.save()
    page = client.get(url).text
    assert "Alice O." in page and "Alice Okafor" not in page
    assert "hat-moderator" not in page
    with on_commit():
        member.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    assert "hat-moderator" in client.get(url).text


def test_a_campaign_support_invalidates_its_page(client, organiser, on_commit):
    from tests.campaigns import factories as campaign_factories

    campaign = campaign_factories.campaign(organiser, title="Publish the accounts")
    url = campaign.get_absolute_url()
    assert '<strong class="support-count">0</strong>' in client.get(url).text
    with on_commit():
        campaign_factories.support(campaign, make_member("sam"))
    assert '<strong class="support-count">1</strong>' in client.get(url).text


def test_one_bump_per_transaction(post, other_member, on_commit, monkeypatch):
    bumps = []
    monkeypatch.setattr(pagecache, "bump", lambda: bumps.append(1))
    with on_commit():
        # The comment's save, the post's counters and the follow: several writes, one commit.
        factories.comment(post, other_member, "One of several writes")
    assert bumps == [1]
    with on_commit():
        factories.comment(post, other_member, "The next transaction bumps again")
    assert bumps == [1, 1]


def test_logging_in_changes_no_page(client, member, on_commit):
    pagecache.bump()
    before = cache.get(pagecache.GENERATION_KEY)
    with on_commit():
        assert client.login(username="alice", password="correct-horse-battery-42")
    assert cache.get(pagecache.GENERATION_KEY) == before


# Who is never served, what is never stored ------------------------------------------------------


def test_a_member_is_never_served_the_cache_and_their_page_is_never_stored(
    client, post, other_member
):
    url = reverse("forum:home")
    # The member first: nothing of theirs is stored.
    client.force_login(other_member)
    mine = client.get(url)
    assert "Bob Hughes" in mine.text and 'id="logout-form"' in mine.text
    assert "Cookie" in mine["Vary"]
    assert not stored(url)
    client.logout()
    client.cookies.clear()
    anonymous = client.get(url)
    assert stored(url)
    for personal in ["Bob Hughes", 'id="logout-form"', "csrfmiddlewaretoken"]:
        assert personal not in anonymous.text
    # With the page cached, the member still gets their own.
    retitle_behind_the_cache(post, "Only the member sees this yet")
    client.force_login(other_member)
    again = client.get(url)
    assert "Bob Hughes" in again.text and "Only the member sees this yet" in again.text
    assert "csrfmiddlewaretoken" in again.text  # the log-out form's, the member's own


def test_a_webtest_member_without_a_session_cookie_yet_is_not_served_the_cache(
    app, client, post, other_member
):
    # django-webtest logs its user in by a header, on a request with no session cookie yet.
    url = reverse("forum:home")
    client.get(url)
    assert "Bob Hughes" in app.get(url, user=other_member).text


@pytest.mark.parametrize("cookie", [django_settings.SESSION_COOKIE_NAME, "messages"])
def test_a_visitor_with_a_session_or_messages_cookie_is_not_served_the_cache(client, post, cookie):
    url = reverse("forum:home")
    client.get(url)
    retitle_behind_the_cache(post, "Fresh for cookie holders")
    client.cookies[cookie] = "something"
    assert "Fresh for cookie holders" in client.get(url).text
    del client.cookies[cookie]
    assert "Fresh for cookie holders" not in client.get(url).text


def test_a_csrftoken_cookie_alone_still_gets_the_cache(client, post, django_assert_num_queries):
    url = reverse("forum:home")
    client.get(url)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "x" * 32
    with django_assert_num_queries(HIT_QUERIES):
        assert client.get(url).status_code == 200


def test_a_flash_message_is_neither_cached_nor_lost(client, post, member):
    url = post.get_absolute_url()
    client.get(url)  # cached
    client.force_login(member)
    client.post(reverse("forum:post-delete", args=[post.pk]))  # leaves "deleted" for the next page
    assert client.cookies.get(django_settings.SESSION_COOKIE_NAME)
    page = client.get(reverse("forum:home"))
    assert 'class="messages"' in page.text


def test_a_404_is_not_cached(client, member, django_assert_num_queries):
    draft = factories.post(member, title="Not yet", publish=False)
    for url in [draft.get_absolute_url(), reverse("forum:section", args=["no-such-section"])]:
        assert client.get(url).status_code == 404
        assert not stored(url)


def test_page_cache_seconds_0_turns_it_off(client, post, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = reverse("forum:home")
    client.get(url)
    assert not stored(url)
    retitle_behind_the_cache(post, "No cache at all")
    assert "No cache at all" in client.get(url).text


def test_redis_down_or_a_lost_generation_is_only_a_miss(client, post):
    url = reverse("forum:home")
    client.get(url)
    cache.delete(pagecache.GENERATION_KEY)
    retitle_behind_the_cache(post, "After the generation was lost")
    assert "After the generation was lost" in client.get(url).text


# Per-visitor values in the body: a CSP nonce, a CSRF token, a cookie ---------------------------


@anonymous_page_cache
def nonce_view(request):
    return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')


@anonymous_page_cache
def csrf_view(request):
    return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')


@anonymous_page_cache
def cookie_view(request):
    response = HttpResponse("a cookie")
    response.set_cookie("seen", "1")
    return response


@anonymous_page_cache
def private_view(request):
    return HttpResponse("mine", headers={"Cache-Control": "private, max-age=60"})


urlpatterns = [
    path("nonce/", nonce_view),
    path("csrf/", csrf_view),
    path("cookie/", cookie_view),
    path("private/", private_view),
]


@pytest.mark.urls(__name__)
def test_a_page_with_a_csp_nonce_is_not_cached_and_its_header_names_its_nonce(client):
    nonces = []
    for _ in range(2):
        response = client.get("/nonce/")
        found = re.search(r'nonce="([^"]+)"', response.text)
        assert found is not None
        nonce = found[1]
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert not stored("/nonce/")


def test_a_cached_page_goes_out_with_the_same_csp_header_and_no_nonce(client, post):
    url = post.get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "nonce-" not in second["Content-Security-Policy"]
    assert "nonce=" not in second.text


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/csrf/", "/cookie/", "/private/"])
def test_a_page_with_a_csrf_token_a_cookie_or_private_is_not_cached(client, url):
    assert client.get(url).status_code == 200
    assert not stored(url)


def test_a_page_read_from_a_replica_just_after_a_write_is_not_stored(client, post, monkeypatch):
    # The replica may not show the write yet: for REPLICA_PIN_SECONDS after a bump, pages that
    # read from it are served but not stored.
    monkeypatch.setattr(pagecache, "reads_from_replica", lambda: True)
    url = reverse("forum:home")
    pagecache.bump()
    assert client.get(url).status_code == 200
    assert not stored(url)
    cache.set(pagecache.GENERATION_KEY, ("older", time.time() - 60), timeout=None)
    client.get(url)
    assert stored(url)
