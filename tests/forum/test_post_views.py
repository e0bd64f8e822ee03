import pytest
from django.test import Client
from django.urls import reverse

from forum.models import Post, PostRevision, Recommendation

from . import factories

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("forum:post-create")


def post_data(**overrides):
    data = {
        "section": factories.section("policy").pk,
        "title": "Rail back in public hands",
        "body": "A *plain* case.",
        "action": "publish",
    }
    data.update(overrides)
    return data


# Writing -----------------------------------------------------------------------------------------


def test_member_publishes_a_post(member_client, member):
    response = member_client.post(CREATE_URL, post_data())
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == post.get_absolute_url()
    assert (post.author, post.status, post.title) == (
        member,
        "published",
        "Rail back in public hands",
    )
    assert post.body_html == "<p>A <em>plain</em> case.</p>\n"
    page = member_client.get(post.get_absolute_url()).content.decode()
    assert "Rail back in public hands" in page
    assert "<em>plain</em>" in page


def test_preview_renders_without_saving_and_keeps_text(member_client):
    response = member_client.post(CREATE_URL, post_data(action="preview", body="# Heading\n\nText"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h3>Heading</h3>" in html
    assert "# Heading" in html  # still in the textarea
    assert not Post.objects.exists()


def test_draft_is_saved_and_visible_only_to_author(member_client, member, other_member):
    member_client.post(CREATE_URL, post_data(action="draft"))
    client = Client()
    post = Post.objects.get()
    assert post.status == "draft"
    assert post.published_at is None
    assert member_client.get(post.get_absolute_url()).status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 404
    client.force_login(other_member)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert (
        "Rail back in public hands" in member_client.get(reverse("forum:drafts")).content.decode()
    )
    assert "Rail back in public hands" not in client.get(reverse("forum:newest")).content.decode()


def test_publishing_a_draft(member_client, member):
    draft = factories.post(member, publish=False)
    response = member_client.post(
        reverse("forum:post-edit", args=[draft.pk]), post_data(title=draft.title, action="publish")
    )
    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status == "published"
    assert draft.published_at is not None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": ""}, "Write something before you save."),
        ({"body": "   \n  "}, "Write something before you save."),
        ({"title": ""}, "Give your post a title."),
        ({"title": "t" * 201}, "at most 200 characters"),
        ({"body": "b" * 40_001}, "at most 40000 characters"),
        ({"section": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_post_input_is_refused_keeping_text(member_client, overrides, message):
    data = post_data(**overrides)
    response = member_client.post(CREATE_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if data["title"] and len(data["title"]) <= 200:
        assert data["title"] in html
    assert not Post.objects.exists()


def test_anonymous_is_sent_to_log_in_to_write(client):
    response = client.get(CREATE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Editing ------------------------------------------------------------------------------------------


def test_author_edit_keeps_previous_version_and_marks_edited(member_client, member):
    post = factories.post(member, title="Old title", body="Old body")
    response = member_client.post(
        reverse("forum:post-edit", args=[post.pk]),
        post_data(title="New title", body="New body", action="publish"),
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("New title", "New body")
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body) == ("Old title", "Old body")
    assert "edited" in Client().get(post.get_absolute_url()).content.decode()


def test_edit_history_visible_to_author_and_moderator_only(client, member, other_member, moderator):
    post = factories.post(member)
    url = reverse("forum:post-history", args=[post.pk])
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    client.force_login(other_member)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 403


def test_another_member_cannot_edit(client, member, other_member):
    post = factories.post(member)
    client.force_login(other_member)
    url = reverse("forum:post-edit", args=[post.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, post_data(title="Hijacked")).status_code == 403
    post.refresh_from_db()
    assert post.title == "Open the party's books"


def test_editing_someone_elses_draft_is_404(client, member, other_member):
    draft = factories.post(member, publish=False)
    client.force_login(other_member)
    assert client.get(reverse("forum:post-edit", args=[draft.pk])).status_code == 404


def test_missing_post_is_404(member_client):
    assert member_client.get(reverse("forum:post-detail-short", args=[99999])).status_code == 404
    assert member_client.get(reverse("forum:post-edit", args=[99999])).status_code == 404


def test_wrong_slug_redirects_to_canonical_url(client, member):
    post = factories.post(member)
    response = client.get(reverse("forum:post-detail", args=[post.pk, "something-else"]))
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


def test_title_that_is_an_action_word_gets_a_safe_slug(member):
    post = factories.post(member, title="Edit")
    assert post.slug == "edit-post"


# Deleting -----------------------------------------------------------------------------------------


def test_author_deletes_post_softly_and_thread_stays(client, member, other_member):
    post = factories.post(member, body="Secret plans")
    factories.comment(post, other_member, body="A reply that must survive")
    client.force_login(member)
    response = client.post(reverse("forum:post-delete", args=[post.pk]))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == "deleted"
    html = client.get(post.get_absolute_url()).content.decode()
    assert "deleted by its author" in html
    assert "A reply that must survive" in html
    assert "Open the party" not in client.get(reverse("forum:home")).content.decode()


def test_another_member_cannot_delete(client, member, other_member):
    post = factories.post(member)
    client.force_login(other_member)
    assert client.post(reverse("forum:post-delete", args=[post.pk])).status_code == 403
    post.refresh_from_db()
    assert post.state == "visible"


@pytest.mark.parametrize(
    "name", ["forum:post-delete", "forum:post-recommend", "forum:comment-create"]
)
def test_post_only_urls_refuse_get(member_client, member, name):
    post = factories.post(member)
    assert member_client.get(reverse(name, args=[post.pk])).status_code == 405


# Recommending -------------------------------------------------------------------------------------


def test_member_recommends_once(client, member, other_member):
    post = factories.post(member)
    client.force_login(other_member)
    url = reverse("forum:post-recommend", args=[post.pk])
    client.post(url, {"action": "recommend"})
    response = client.post(url, {"action": "recommend"}, follow=True)
    assert "You already recommend this post." in response.content.decode()
    post.refresh_from_db()
    assert post.recommendation_count == 1
    assert Recommendation.objects.filter(post=post).count() == 1
    client.post(url, {"action": "unrecommend"})
    post.refresh_from_db()
    assert post.recommendation_count == 0


def test_author_cannot_recommend_own_post(member_client, member):
    post = factories.post(member)
    response = member_client.post(
        reverse("forum:post-recommend", args=[post.pk]), {"action": "recommend"}, follow=True
    )
    assert "You can&#x27;t recommend your own post." in response.content.decode()
    post.refresh_from_db()
    assert post.recommendation_count == 0


def test_anonymous_cannot_recommend(client, member):
    post = factories.post(member)
    response = client.post(reverse("forum:post-recommend", args=[post.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Recommendation.objects.count() == 0


def test_recommend_redirect_ignores_foreign_next(client, member, other_member):
    post = factories.post(member)
    client.force_login(other_member)
    response = client.post(
        reverse("forum:post-recommend", args=[post.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == post.get_absolute_url()


# Rendering ----------------------------------------------------------------------------------------


def test_post_body_is_sanitised_on_the_page(client, member):
    post = factories.post(member, body="<script>alert(1)</script> [x](javascript:alert(2))")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html


def test_title_is_escaped(client, member):
    post = factories.post(member, title="<img src=x onerror=alert(1)>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
