"""Hats: moderators' names carry a "moderator" label wherever the forum shows them, worked out in the
queries that fetch the authors, so a display name like "Maya Patel (moderator)" passes for nothing."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import MODERATORS_GROUP
from forum.models import Post
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db

HAT = 'class="hat hat-moderator"'


@pytest.fixture
def impostor(db):
    """A member who copied the moderator's name, role and all, into their display name."""
    return make_member("maya_p", display_name="Maya Patel (moderator)")


@pytest.fixture
def post(member):
    return factories.post(member, title="Open the party's books")


def head(page, comment):
    """The comment's byline as rendered (name, hats, handle)."""
    return page.html.select_one(f"#c{comment.pk} .comment-head")


def hat_names(node):
    return [span.get_text() for span in node.select(".hat")]


def test_a_moderators_comment_wears_the_hat_and_a_copied_name_does_not(
    app, post, moderator, impostor
):
    real = factories.comment(post, moderator, "Please keep it civil.")
    fake = factories.comment(post, impostor, "I am a moderator, trust me.")
    page = app.get(post.get_absolute_url())
    assert hat_names(head(page, real)) == ["moderator"]
    assert "Maya Patel" in head(page, real).get_text()
    assert hat_names(head(page, fake)) == []
    assert "Maya Patel (moderator)" in head(page, fake).get_text()
    # The hat says what it is to anyone hovering it, or reading with a screen reader.
    assert head(page, real).select_one(".hat")["title"] == "A moderator of this forum"


def test_a_superuser_counts_as_a_moderator(app, post, superuser):
    reply = factories.comment(post, superuser, "Noted.")
    assert hat_names(head(app.get(post.get_absolute_url()), reply)) == ["moderator"]


def test_leaving_the_moderators_group_takes_the_hat_off(app, post, moderator):
    reply = factories.comment(post, moderator, "Noted.")
    moderator.groups.remove(Group.objects.get(name=MODERATORS_GROUP))
    assert hat_names(head(app.get(post.get_absolute_url()), reply)) == []


def test_a_moderators_post_wears_the_hat_on_its_page_and_in_every_list(app, moderator, impostor):
    real = factories.post(moderator, title="House rules", section_slug="unions")
    fake = factories.post(impostor, title="Also house rules", section_slug="unions")
    byline = app.get(real.get_absolute_url()).html.select_one("article.post header")
    assert hat_names(byline) == ["moderator"]
    byline = app.get(fake.get_absolute_url()).html.select_one("article.post header")
    assert hat_names(byline) == []
    for url in [
        reverse("forum:home"),
        reverse("forum:newest"),
        reverse("forum:section", args=["unions"]),
    ]:
        items = {
            item.select_one(".post-title").get_text(strip=True): hat_names(item)
            for item in app.get(url).html.select(".post-item")
        }
        assert items == {"House rules": ["moderator"], "Also house rules": []}, url


def test_a_promoted_post_by_a_moderator_wears_the_hat_on_the_front_page(app, moderator):
    factories.post(moderator, title="Conference motions")
    Post.objects.update(is_promoted=True)
    promoted = app.get(reverse("forum:home")).html.select_one(".post-item.promoted")
    assert hat_names(promoted) == ["moderator"]


def test_permalink_page_shows_hats_on_the_comment_and_the_thread_above(
    app, post, moderator, impostor, member
):
    root = factories.comment(post, moderator, "Root by the moderator")
    middle = factories.comment(post, impostor, "Middle by the impostor", root)
    leaf = factories.comment(post, member, "Leaf", middle)
    page = app.get(middle.get_absolute_url())
    assert hat_names(head(page, middle)) == []
    context = page.html.select_one("section.context")
    assert hat_names(context) == ["moderator"]  # the root above, not the impostor
    assert hat_names(head(page, leaf)) == []
    page = app.get(root.get_absolute_url())
    assert hat_names(head(page, root)) == ["moderator"]


def test_the_reply_page_names_a_moderator_with_the_hat(app, post, moderator, impostor, member):
    real = factories.comment(post, moderator, "Moderator's words")
    fake = factories.comment(post, impostor, "Impostor's words")
    heading = app.get(reverse("forum:comment-reply", args=[real.pk]), user=member).html.h1
    assert hat_names(heading) == ["moderator"]
    heading = app.get(reverse("forum:comment-reply", args=[fake.pk]), user=member).html.h1
    assert hat_names(heading) == []
    assert "Maya Patel (moderator)" in heading.get_text()


def test_moderators_see_the_hat_on_removed_content_they_review(app, post, moderator):
    from forum import moderation

    reply = factories.comment(post, moderator, "A moderator's own words")
    other = make_member("mod2", display_name="Second Moderator")
    other.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    moderation.content_remove(actor=other, target=reply, reason="Off-topic")
    page = app.get(post.get_absolute_url(), user=other)
    note = page.html.select_one(f"#c{reply.pk} .mod-view .meta")
    assert hat_names(note) == ["moderator"]
    # Members see the placeholder: no name, so no hat.
    assert hat_names(head(app.get(post.get_absolute_url()), reply)) == []


# Query counts: hats come with the authors, never a query per author -------------------------------


def many_authors(n, moderators):
    group = Group.objects.get(name=MODERATORS_GROUP)
    authors = []
    for i in range(n):
        author = make_member(f"author{i}")
        if i < moderators:
            author.groups.add(group)
        authors.append(author)
    return authors


@pytest.mark.parametrize(("n", "moderators"), [(1, 0), (40, 15)])
def test_a_thread_with_many_authors_and_moderators_keeps_its_query_count(
    client, post, n, moderators, django_assert_num_queries
):
    authors = many_authors(n, moderators)
    for i, author in enumerate(authors):
        factories.comment(post, author, f"Comment {i}")
    # post (+author, section, the author's hats), the top-level comments (no replies to
    # fetch), the comments shown (+authors, their hats)
    with django_assert_num_queries(3):
        html = client.get(post.get_absolute_url()).content.decode()
    assert html.count(HAT) == moderators


@pytest.mark.parametrize(("n", "moderators"), [(2, 1), (30, 12)])
def test_a_deep_permalink_with_many_authors_keeps_its_query_count(
    client, post, n, moderators, django_assert_num_queries
):
    parent = None
    for i, author in enumerate(many_authors(n, moderators)):
        parent = factories.comment(post, author, f"Reply {i}", parent)
    assert parent is not None
    # The deepest comment (n > 1 so it has ancestors): comment (+post, author's hats), its post
    # (visibility), the post for the page (+author's hats), ancestors (+authors, their hats), its
    # subtree (+authors, their hats)
    with django_assert_num_queries(5):
        page = client.get(parent.get_absolute_url())
    context = page.content.decode().split('class="comments focused"')[0]
    # The three nearest ancestors are shown: with 30 authors, none of them a moderator.
    assert context.count(HAT) == (1 if n == 2 else 0)


@pytest.mark.parametrize(("n", "moderators"), [(2, 1), (30, 12)])
def test_post_lists_with_many_moderator_authors_keep_their_query_count(
    client, n, moderators, django_assert_num_queries
):
    # The moderators write first, so with 30 posts the newest 25 show 7 of their 12.
    for i, author in enumerate(many_authors(n, moderators)):
        factories.post(author, title=f"Post {i}")
    # page of posts and one more (+authors, their hats, sections), sections: no count
    with django_assert_num_queries(2):
        html = client.get(reverse("forum:newest")).content.decode()
    assert html.count(HAT) == (1 if n == 2 else 7)
