import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Post, hot_score
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def many_posts(authors, n, section_slug="policy"):
    return [
        factories.post(
            authors[i % len(authors)], title=f"Post number {i}", section_slug=section_slug
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("name", ["forum:home", "forum:newest", "forum:recommended"])
@pytest.mark.parametrize("n", [2, 30])
def test_front_page_lists_query_count_is_constant(
    client, member, other_member, name, n, django_assert_num_queries
):
    posts = many_posts([member, other_member], n)
    for p in posts:
        services.post_recommend(post=p, actor=other_member if p.author == member else member)
    Post.objects.filter(pk=posts[0].pk).update(is_promoted=True)
    # promoted posts (home only), a page of posts and one more (+authors, sections), sections:
    # no count (forum.paging)
    expected = 3 if name == "forum:home" else 2
    with django_assert_num_queries(expected):
        response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    # On home the promoted post is listed once, above the hot list it is left out of.
    expected_items = 1 + min(n - 1, 25) if name == "forum:home" else min(n, 25)
    assert html.count('class="post-item') == expected_items


def test_section_page_query_count_is_constant(client, member, django_assert_num_queries):
    many_posts([member], 30, section_slug="unions")
    many_posts([member], 3, section_slug="policy")
    # section, page of posts and one more, sections
    with django_assert_num_queries(3):
        response = client.get(reverse("forum:section", args=["unions"]))
    html = response.content.decode()
    assert html.count('class="post-item') == 25
    assert 'rel="next"' in html


def test_unknown_section_is_404(client, db):
    assert client.get(reverse("forum:section", args=["nope"])).status_code == 404


def test_hot_ranks_recommended_posts_higher_and_promoted_first(
    client, member, other_member, organiser
):
    factories.post(member, title="Plain post")
    popular = factories.post(member, title="Popular post")
    promoted = factories.post(member, title="Promoted post")
    Post.objects.filter(pk=promoted.pk).update(is_promoted=True)
    for user in (other_member, organiser):
        services.post_recommend(post=popular, actor=user)
    html = client.get(reverse("forum:home")).content.decode()
    assert html.index("Promoted post") < html.index("Popular post") < html.index("Plain post")
    assert html.count("Promoted post") == 1  # not repeated in the hot list


def test_hot_decays_with_age():
    now = timezone.now()
    # A day-old post needs far more recommendations to stay level with a new one.
    assert hot_score(1, now) > hot_score(10, now - timedelta(hours=24))
    assert hot_score(100, now - timedelta(hours=12.5)) > hot_score(1, now)


def test_newest_lists_by_publication_time(client, member):
    old = factories.post(member, title="Older post")
    Post.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=2))
    factories.post(member, title="Newer post")
    html = client.get(reverse("forum:newest")).content.decode()
    assert html.index("Newer post") < html.index("Older post")


def test_recommended_lists_recent_recommended_posts_only(client, member, other_member):
    unrecommended = factories.post(member, title="Nobody recommends")
    stale = factories.post(member, title="Old favourite")
    fresh = factories.post(member, title="Fresh favourite")
    services.post_recommend(post=stale, actor=other_member)
    services.post_recommend(post=fresh, actor=other_member)
    Post.objects.filter(pk=stale.pk).update(published_at=timezone.now() - timedelta(days=5))
    html = client.get(reverse("forum:recommended")).content.decode()
    assert fresh.title in html
    assert stale.title not in html
    assert unrecommended.title not in html


def test_lists_hide_drafts_and_deleted_posts(client, member):
    factories.post(member, title="Draft post", publish=False)
    gone = factories.post(member, title="Deleted post")
    services.post_delete(post=gone, actor=member)
    factories.post(member, title="Live post")
    for name in ("forum:home", "forum:newest"):
        html = client.get(reverse(name)).content.decode()
        assert "Live post" in html
        assert "Draft post" not in html
        assert "Deleted post" not in html


def test_drafts_page_lists_only_my_drafts(client, member, other_member, django_assert_num_queries):
    for i in range(5):
        factories.post(member, title=f"My draft {i}", publish=False)
    factories.post(other_member, title="Someone else's draft", publish=False)
    client.force_login(member)
    # session, user, my groups (moderator link in the header), page of drafts (+sections)
    with django_assert_num_queries(4):
        html = client.get(reverse("forum:drafts")).content.decode()
    assert len(re.findall(r"My draft \d", html)) == 5
    assert "Someone else" not in html


def test_drafts_page_needs_login(client, db):
    response = client.get(reverse("forum:drafts"))
    assert response.status_code == 302


def test_post_list_escapes_titles_and_names(client, db):
    author = make_member("mallory", display_name="<b>Mallory</b>")
    factories.post(author, title="<script>x()</script>")
    html = client.get(reverse("forum:home")).content.decode()
    assert "<script>x()" not in html
    assert "<b>Mallory</b>" not in html


def test_a_sixth_promoted_post_still_appears_in_hot(client, member):
    posts = [factories.post(member, title=f"Promoted number {i}") for i in range(6)]
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(is_promoted=True)
    html = client.get(reverse("forum:home")).content.decode()
    for i in range(6):
        assert f"Promoted number {i}<" in html


@pytest.mark.parametrize(
    ("url_name", "index"),
    [
        ("forum:home", "post_listed_hot"),
        ("forum:newest", "post_listed_new"),
    ],
)
def test_lists_read_their_rows_off_a_partial_index_without_counting(
    client, member, url_name, index
):
    """At any size a list page reads one page of rows off its index, and no COUNT(*): checked on
    PostgreSQL's plan of the page's query (with sequential scans priced out, as on a big table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    for n in range(30):
        factories.post(member, title=f"Post {n}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in sql if "COUNT(" in q.upper()]
    if connection.vendor != "postgresql":
        return
    # The page's rows: a page and one more, which says whether there is a next page.
    page_query = next(q for q in sql if "LIMIT 26" in q)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + page_query)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


def test_the_front_pages_promoted_posts_come_off_their_own_partial_index(client, member):
    """Finding the (few, often no) promoted posts must not read every listed post."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(30):
        factories.post(member, title=f"Post {n}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("forum:home")).status_code == 200
    promoted_query = next(q["sql"] for q in queries.captured_queries if "LIMIT 5" in q["sql"])
    assert "is_promoted" in promoted_query
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + promoted_query)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "post_listed_promoted" in plan, plan


def test_pages_of_a_list_go_on_without_a_total_and_odd_page_numbers_are_the_first(app, member):
    many_posts([member], 30)
    first = app.get(reverse("forum:newest"))
    assert "Page 1" in first.text and " of " not in first.html.select_one(".pagination").text
    second = first.click(href="page=2")
    assert len(second.html.select(".post-item")) == 5
    assert not second.html.select('a[rel="next"]')
    assert second.click(href="page=1").html.select(".post-item")
    for odd in ("abc", "-1", "0", "9" * 30):
        page = app.get(reverse("forum:newest") + f"?page={odd}")
        assert "Page 1" in page.text
    past_the_end = app.get(reverse("forum:newest") + "?page=40")
    assert not past_the_end.html.select(".post-item")
    assert past_the_end.html.select('a[rel="prev"]')
