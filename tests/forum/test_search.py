"""Search (/search/ and the header box): what is found, what never is, filters, odd queries, the
rate limit and the page's query budget. Runs on SQLite (FTS5) and, in CI, on PostgreSQL
(tsvector), the same tests against each engine; ranking is asserted on both."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from campaigns import services as campaign_services
from forum import moderation, services
from forum.models import Comment, Post
from forum.search import PAGE_SIZE, Filters, parse_query, search
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db


def titles(page) -> list[str]:
    return [li.text_content().strip() for li in page.html.select("li.search-result h3")]


def result_links(page) -> list[str]:
    return [a["href"] for a in page.html.select("li.search-result h3 a")]


def search_from_header(app, words: str, user=None):
    """Type into the header's box on the front page and submit it, as a member does."""
    page = app.get("/", user=user)
    form = page.forms["header-search"]
    form["q"] = words
    return form.submit()


# Finding ---------------------------------------------------------------------------------------


def test_header_box_finds_a_post_by_its_title_with_the_words_marked(app, member):
    post = factories.post(member, title="Who audits the treasurer?", body="A question for all.")
    factories.post(member, title="Bus routes in Leeds", body="Nothing about money.")
    page = search_from_header(app, "treasurer")
    assert page.status_code == 200
    assert result_links(page) == [post.get_absolute_url()]
    assert "<mark>treasurer</mark>" in page.text.lower()
    # The query stays in both boxes.
    assert page.forms["search-form"]["q"].value == "treasurer"
    assert page.forms["header-search"]["q"].value == "treasurer"


def test_a_comment_result_links_to_its_permalink_and_names_its_post(app, member, other_member):
    post = factories.post(member, title="Branch meeting", body="Agenda to follow.")
    comment = factories.comment(post, other_member, body="The auditors should report quarterly.")
    page = search_from_header(app, "auditors")
    assert result_links(page) == [comment.get_absolute_url()]
    result = page.html.select_one("li.search-comment")
    assert "Comment on" in result.text and "Branch meeting" in result.text
    assert other_member.name in result.text
    assert "<mark>auditors</mark>" in str(result.select_one(".snippet"))
    assert page.click(href=comment.get_absolute_url()).status_code == 200


def test_a_campaign_is_found_with_its_owner(app, organiser):
    campaign = campaign_factories.campaign(organiser, title="Publish the party accounts")
    page = search_from_header(app, "accounts")
    assert campaign.get_absolute_url() in result_links(page)
    result = page.html.select_one("li.search-campaign")
    assert organiser.name in result.text


def test_stemming_finds_other_forms_of_a_word(member):
    factories.post(member, title="Financing the campaign", body="Where the money goes.")
    assert search("finance", Filters()).count == 1


def test_title_matches_rank_above_body_matches(member):
    in_body = factories.post(member, title="A long read", body="Something about the ballot.")
    in_title = factories.post(member, title="The ballot", body="Dates and rules.")
    hits = search("ballot", Filters()).hits
    assert [h.pk for h in hits] == [in_title.pk, in_body.pk]


def test_newest_first_orders_by_date_not_rank(member):
    older = factories.post(member, title="The ballot", body="Dates.")
    Post.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(days=3))
    newer = factories.post(member, title="Notes", body="Something about the ballot.")
    assert [h.pk for h in search("ballot", Filters()).hits] == [older.pk, newer.pk]
    assert [h.pk for h in search("ballot", Filters(), sort="newest").hits] == [newer.pk, older.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"party finances"', {"phrase"}),
        ("party finances", {"phrase", "both"}),
        ("finances -party", {"finances only"}),
        ("finances or budget", {"phrase", "both", "finances only", "budget"}),
        ("party finances or budget", {"phrase", "both"}),
        # Unbalanced quote: the phrase runs to the end.
        ('"party finances', {"phrase"}),
    ],
)
def test_quotes_or_and_minus_work_as_people_expect(member, query, expected):
    for title, body in [
        ("phrase", "Our party finances are a mystery."),
        ("both", "Finances of the whole party, line by line."),
        ("finances only", "Finances, finally."),
        ("budget", "The budget vote."),
        ("neither", "Leaflets for Saturday."),
    ]:
        factories.post(member, title=title, body=body)
    found = {Post.objects.get(pk=h.pk).title for h in search(query, Filters()).hits}
    assert found == expected


# What is never found ---------------------------------------------------------------------------


@pytest.fixture
def hidden_world(member, other_member, moderator, organiser):
    """One visible item of each kind, and one of each that nobody may find, all about 'zebra'."""
    world: dict[str, object] = {}
    world["post"] = factories.post(member, title="Zebra crossings", body="Visible.")
    world["draft"] = factories.post(member, title="Zebra draft", body="Not yet.", publish=False)
    removed = factories.post(member, title="Zebra removed", body="Gone.")
    moderation.content_remove(actor=moderator, target=removed, reason="Off topic")
    deleted = factories.post(member, title="Zebra deleted", body="Gone.")
    services.post_delete(post=deleted, actor=member)
    world["comment"] = factories.comment(world["post"], other_member, body="Zebra comment here.")
    gone = factories.comment(world["post"], other_member, body="Zebra comment removed.")
    moderation.content_remove(actor=moderator, target=gone, reason="Rude")
    in_removed = factories.post(member, title="Harmless", body="Harmless.")
    factories.comment(in_removed, other_member, body="Zebra in a removed post.")
    moderation.content_remove(actor=moderator, target=in_removed, reason="Spam")
    world["campaign"] = campaign_factories.campaign(organiser, title="Zebra campaign")
    campaign_factories.campaign(organiser, title="Zebra draft campaign", publish=False)
    removed_campaign = campaign_factories.campaign(organiser, title="Zebra removed campaign")
    moderation.content_remove(actor=moderator, target=removed_campaign, reason="Spam")
    return world


@pytest.mark.parametrize("who", ["anonymous", "member", "author", "moderator"])
def test_only_what_stands_is_found_whoever_searches(app, hidden_world, who, request):
    user = {
        "anonymous": None,
        "member": request.getfixturevalue("other_member"),
        "author": request.getfixturevalue("member"),
        "moderator": request.getfixturevalue("moderator"),
    }[who]
    page = search_from_header(app, "zebra", user=user)
    expected = {hidden_world[k].get_absolute_url() for k in ("post", "comment", "campaign")}
    # A published campaign's discussion is a post in the forum (removed with its campaign).
    expected.add(hidden_world["campaign"].discussion.get_absolute_url())
    assert set(result_links(page)) == expected
    for never in ("draft", "removed", "deleted", "in a removed post", "Gone", "Rude"):
        assert never not in page.html.select_one("ol.search-results").text


def test_an_edit_is_searchable_at_once_and_the_old_words_are_not(member):
    post = factories.post(member, title="Leaflets", body="Meet at the station.")
    services.post_update(
        post=post, actor=member, section=post.section, title="Leaflets", body="Meet at the library."
    )
    assert search("library", Filters()).count == 1
    assert search("station", Filters()).count == 0
    comment = factories.comment(post, member, body="Bring umbrellas.")
    services.comment_update(comment=comment, actor=member, body="Bring placards.")
    assert [h.pk for h in search("placards", Filters()).hits] == [comment.pk]
    assert search("umbrellas", Filters()).count == 0


def test_a_deleted_row_leaves_the_index(member, other_member):
    post = factories.post(member, title="Temporary", body="Zanzibar.")
    assert search("zanzibar", Filters()).count == 1
    Post.objects.filter(pk=post.pk).delete()
    assert search("zanzibar", Filters()).count == 0


# Filters ---------------------------------------------------------------------------------------


def test_filters_by_kind_section_author_and_dates_through_the_form(app, member, other_member):
    mine = factories.post(member, title="Rail fares", body="Fares up again.")
    theirs = factories.post(
        other_member, title="Rail strike", body="Fares and pay.", section_slug="policy"
    )
    comment = factories.comment(theirs, member, body="Fares are the issue.")
    Post.objects.filter(pk=theirs.pk).update(published_at=timezone.now() - timedelta(days=40))

    page = app.get("/search/?q=fares")
    assert len(result_links(page)) == 3
    form = page.forms["search-form"]
    form["kind"] = "post"
    form["author"] = "@" + member.username
    page = form.submit()
    assert result_links(page) == [mine.get_absolute_url()]

    form = page.forms["search-form"]
    form["kind"] = ""
    form["author"] = ""
    form["section"] = "policy"
    page = form.submit()
    assert set(result_links(page)) == {theirs.get_absolute_url(), comment.get_absolute_url()}

    form = page.forms["search-form"]
    form["section"] = ""
    form["since"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    page = form.submit()
    assert set(result_links(page)) == {mine.get_absolute_url(), comment.get_absolute_url()}

    form = page.forms["search-form"]
    form["since"] = ""
    form["until"] = (timezone.localdate() - timedelta(days=30)).isoformat()
    page = form.submit()
    assert result_links(page) == [theirs.get_absolute_url()]


def test_bad_filters_get_a_message_and_keep_what_was_typed(app):
    page = app.get("/search/")
    form = page.forms["search-form"]
    form["q"] = "budget"
    form["author"] = "nobody-here"
    form["since"] = "2026-05-01"
    form["until"] = "2026-04-01"
    page = form.submit()
    assert page.status_code == 200
    assert "No member is called @nobody-here." in page.text
    assert "The end date is before the start date." in page.text
    assert page.forms["search-form"]["q"].value == "budget"
    assert page.forms["search-form"]["author"].value == "nobody-here"


# Odd queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("!!! ??? ...", "punctuation alone finds nothing"),
        ("-budget", "not only words to leave out"),
        ("x" * 5000, "at most 300 characters"),
        ('"', "punctuation alone finds nothing"),
    ],
)
def test_odd_queries_get_a_clear_message(app, member, query, message):
    factories.post(member, title="The budget", body="Numbers.")
    page = app.get("/search/", params={"q": query})
    assert page.status_code == 200
    assert message in page.text
    assert not page.html.select("li.search-result")


@pytest.mark.parametrize(
    "query",
    [
        "budget' OR '1'='1",
        "budget; DROP TABLE forum_post; --",
        'budget NEAR(x y) title:budget "*" ^budget',
        "budget)) OR ((",
        "the and of",  # stop words only on PostgreSQL
        "🙂 budget",
        "budget " * 100,
    ],
)
def test_sql_and_fts_syntax_in_a_query_is_only_words(app, member, query):
    factories.post(member, title="The budget", body="Numbers.")
    page = app.get("/search/", params={"q": query[:300]})
    assert page.status_code == 200
    assert Post.objects.count() == 1


def test_parse_query_reads_websearch_syntax():
    parsed = parse_query('party "open books" or audit -secret')
    assert [[t.words for t in c] for c in parsed.clauses] == [
        [("party",)],
        [("open", "books"), ("audit",)],
    ]
    assert [t.words for t in parsed.excluded] == [("secret",)]
    assert parsed.fts5() == '("party" AND ("open books" OR "audit")) NOT "secret"'


# Pages, limits, budgets ------------------------------------------------------------------------


def test_pages_go_on_past_the_first(app, member, settings):
    post = factories.post(member, title="Thread", body="Start.")
    settings.FORUM_RATE_LIMITS = False
    for n in range(PAGE_SIZE + 5):
        factories.comment(post, member, body=f"Quorum number {n}.")
    page = app.get("/search/?q=quorum&sort=newest")
    assert len(result_links(page)) == PAGE_SIZE
    assert "25 results" in page.text
    page = page.click(linkid=None, href="page=2")
    assert len(result_links(page)) == 5
    # A page past the end, or nonsense, is never an error.
    for odd in ("999", "-1", "abc", "9" * 30):
        assert app.get(f"/search/?q=quorum&page={odd}").status_code == 200


def test_searching_too_fast_gets_a_429_with_the_query_kept(app, member, settings):
    settings.FORUM_RATE_LIMITS = True
    from forum.search_views import MEMBER_SEARCH_RATE

    for _ in range(MEMBER_SEARCH_RATE.count):
        assert app.get("/search/?q=budget", user=member).status_code == 200
    page = app.get("/search/?q=budget", user=member, status=429)
    assert "faster than the site allows" in page.text
    assert page.forms["search-form"]["q"].value == "budget"
    # Others are not held up by one member's searching.
    assert app.get("/search/?q=budget", user=make_member("someone")).status_code == 200


def test_the_search_page_without_a_query_only_shows_the_form(app):
    page = app.get("/search/")
    assert page.status_code == 200
    assert "search-form" in page.forms
    assert not page.html.select("ol.search-results")


def test_search_page_queries_stay_constant(
    client, member, other_member, organiser, django_assert_num_queries
):
    # Interleaved, so the newest page holds every kind (each campaign brings its discussion post).
    for n in range(8):
        post = factories.post(member, title=f"Quorum {n}", body="Quorum rules.")
        factories.comment(post, other_member, body=f"On quorum, {n}.")
        campaign_factories.campaign(organiser, title=f"Quorum campaign {n}")
    # Sections for the form; the page of rows; the count (more than a page); per kind on the page:
    # PostgreSQL one (rows with their snippets), SQLite two (rows, then FTS5's snippets); campaigns
    # one more (their owners).
    per_kind = 1 if connection.vendor == "postgresql" else 2
    expected = 3 + 3 * per_kind + 1
    with django_assert_num_queries(expected):
        response = client.get("/search/?q=quorum&sort=newest")
    assert response.status_code == 200
    for kind in ("post", "comment", "campaign"):
        assert f'class="search-result search-{kind}"'.encode() in response.content
    assert response.content.count(b'class="search-result ') == PAGE_SIZE


def test_comments_of_a_page_are_read_without_their_search_column(member, django_assert_num_queries):
    post = factories.post(member, title="Columns", body="x")
    factories.comment(post, member, body="A comment.")
    comment = Comment.objects.get(post=post)
    assert "search_vector" in comment.get_deferred_fields()


def test_a_campaign_leaves_search_when_archived_and_a_draft_is_never_in_it(organiser):
    campaign = campaign_factories.campaign(organiser, title="Open books")
    campaign_factories.campaign(organiser, title="Books draft", publish=False)
    assert [h.pk for h in search("books", Filters(kinds=["campaign"])).hits] == [campaign.pk]
    campaign = campaign_services.campaign_close(
        campaign=campaign, actor=organiser, outcome="won", story="We won."
    )
    assert search("books", Filters(kinds=["campaign"])).count == 1  # closed: still listed
    campaign_services.campaign_archive(campaign=campaign, actor=organiser)
    assert search("books", Filters(kinds=["campaign"])).count == 0


def test_nul_in_a_query_is_refused_before_the_search(app):
    assert app.get("/search/?q=budget%00", status=400).status_code == 400


def test_sqlite_triggers_dropped_by_a_table_rebuild_are_made_again_after_migrate(member):
    """SQLite drops a table's triggers when a migration rebuilds the table: the post_migrate
    repair makes them again and indexes the table afresh."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 triggers")
    from forum.apps import repair_search_indexes

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER forum_post_fts_ai")
    post = factories.post(member, title="Written while the trigger was gone", body="Marmalade.")
    assert search("marmalade", Filters()).count == 0
    repair_search_indexes(using="default")
    assert [h.pk for h in search("marmalade", Filters()).hits] == [post.pk]
    factories.post(member, title="After", body="Marmalade again.")
    assert search("marmalade", Filters()).count == 2


def test_postgres_keeps_an_indexed_vector_in_the_row(member):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's tsvector column")
    post = factories.post(member, title="Treasurer", body="Accounts.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM forum_post WHERE id = %s", [post.pk])
        (vector,) = cursor.fetchone()
        assert "'treasur':1A" in vector and "'account':2B" in vector
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname IN "
            "('forum_post_search', 'forum_comment_search', 'campaigns_campaign_search')"
        )
        assert len([row for (row,) in cursor.fetchall() if "gin (search_vector)" in row]) == 3
