"""Issue 8, item 11: a draft post is its author's alone in the admin too. Moderators and
superusers never see its title or body: not in a list, a search, a change page, a report, an
action's page, an autocomplete or a member's deletion page; its URL says it doesn't exist."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from forum import moderation
from forum.models import ContentState, ModerationAction, Post, Report
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db

TITLE = "Quietly planning a leadership bid"
BODY = "Nobody else may read this yet."
REPLY = "A reply under what became a draft."
STAFF = ["moderator", "superuser"]


@pytest.fixture
def draft(member) -> Post:
    return factories.post(member, title=TITLE, body=BODY, publish=False)


@pytest.fixture
def published(member) -> Post:
    return factories.post(member, title="Open the books", body="Every line.")


@pytest.fixture
def staff(request, moderator, superuser):
    return {"moderator": moderator, "superuser": superuser}[request.param]


def assert_private(html: str) -> None:
    assert TITLE not in html
    assert BODY not in html
    assert "leadership bid" not in html


def tick(form, *objects) -> None:
    """Tick the changelist's checkboxes for these rows, as a moderator would."""
    wanted = {str(obj.pk) for obj in objects}
    for box in form.fields["_selected_action"]:
        box.checked = box._value in wanted


def rows_offered(page) -> set[str]:
    return {box["value"] for box in page.html.select('input[name="_selected_action"]')}


def assert_does_not_exist(app, url: str, user) -> None:
    response = app.get(url, user=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    page = response.follow()
    assert "exist. Perhaps it was deleted?" in page.text
    assert_private(page.text)


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_draft_is_not_in_the_post_list_or_its_search(app, staff, draft, published):
    url = reverse("admin:forum_post_changelist")
    page = app.get(url, user=staff)
    assert "Open the books" in page.text
    assert_private(page.text)
    assert rows_offered(page) == {str(published.pk)}
    for term in ("leadership", "Nobody else", "alice"):
        found = app.get(url, {"q": term}, user=staff)
        assert_private(found.text)
    assert "Open the books" in app.get(url, {"q": "alice"}, user=staff).text


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_a_drafts_admin_pages_say_it_does_not_exist(app, staff, draft):
    for name in ("change", "history"):
        assert_does_not_exist(app, reverse(f"admin:forum_post_{name}", args=[draft.pk]), staff)
    # Nobody deletes posts here; the refusal says nothing either.
    refused = app.get(reverse("admin:forum_post_delete", args=[draft.pk]), user=staff, status=403)
    assert_private(refused.text)


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_comments_under_a_draft_are_not_in_the_comment_admin(app, staff, member, other_member):
    # The site refuses replies to drafts; a post that has some is made a draft by hand here, to
    # prove the comment admin couldn't show its title (the "post" column) or the replies anyway.
    post = factories.post(member, title=TITLE, body=BODY)
    reply = factories.comment(post, other_member, REPLY)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    url = reverse("admin:forum_comment_changelist")
    for params in ({}, {"q": "leadership"}, {"q": "bob"}):
        page = app.get(url, params, user=staff)
        assert_private(page.text)
        assert REPLY not in page.text
    assert_does_not_exist(app, reverse("admin:forum_comment_change", args=[reply.pk]), staff)


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_autocomplete_never_offers_a_draft(app, staff, draft, published):
    # Django's autocomplete searches a model's admin from any foreign key to it (here a comment's
    # post), whether or not a form uses it: it starts from the same queryset as the list.
    url = reverse("admin:autocomplete")
    params = {"app_label": "forum", "model_name": "comment", "field_name": "post"}
    found = app.get(url, {**params, "term": "leadership"}, user=staff).json
    assert found["results"] == []
    everything = app.get(url, {**params, "term": ""}, user=staff).json
    assert [r["id"] for r in everything["results"]] == [str(published.pk)]


@pytest.mark.parametrize("staff", STAFF, indirect=True)
def test_a_report_on_a_draft_names_it_by_its_label_only(app, staff, member, other_member):
    # Reports on drafts can't be made on the site today (only the author sees one); if one
    # exists (the post went back to draft, a future path), its row still says nothing.
    post = factories.post(member, title=TITLE, body=BODY)
    report = moderation.report_create(actor=other_member, target=post, reason="spam")
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    page = app.get(reverse("admin:forum_report_changelist"), user=staff)
    assert f"post #{post.pk} by @alice: [a draft: only its author can read it]" in page.text
    assert_private(page.text)
    change = app.get(reverse("admin:forum_report_change", args=[report.pk]), user=staff)
    assert_private(change.text)
    assert reverse("admin:forum_post_change", args=[post.pk]) not in change.text


def test_moderator_dismisses_a_report_on_a_draft_without_reading_it(app, moderator, member):
    # The action as rendered: tick the report, choose the action, submit; the reason page
    # (which lists what it applies to) still shows no title; give a reason, submit.
    post = factories.post(member, title=TITLE, body=BODY)
    reporter = make_member("carol")
    report = moderation.report_create(actor=reporter, target=post, reason="spam")
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    page = app.get(reverse("admin:forum_report_changelist"), user=moderator)
    form = page.forms["changelist-form"]
    form["action"].select("resolve_dismiss")
    tick(form, report)
    reason_page = form.submit()
    assert "This applies to:" in reason_page.text
    assert f"post #{post.pk} by @alice: [a draft" in reason_page.text
    assert_private(reason_page.text)
    reason_form = reason_page.forms["action-reason-form"]
    reason_form["reason"] = "Not a rule breach."
    done = reason_form.submit().follow()
    assert "done for 1 post" in done.text
    assert_private(done.text)
    report.refresh_from_db()
    assert (report.status, report.outcome) == (Report.Status.RESOLVED, Report.Outcome.KEPT)


def test_an_action_forged_for_a_draft_does_nothing(app, moderator, draft, published):
    # The changelist form as rendered, its selection swapped for the draft's id by hand.
    url = reverse("admin:forum_post_changelist")
    form = app.get(url, user=moderator).forms["changelist-form"]
    form["action"].select("remove_with_reason")
    fields = [(k, v) for k, v in form.submit_fields() if k != "_selected_action"]
    fields += [("_selected_action", str(draft.pk)), ("apply", "yes"), ("reason", "Forged")]
    response = app.post(url, fields, user=moderator).follow()
    assert "Nothing to do for the selection." in response.text
    draft.refresh_from_db()
    assert draft.state == ContentState.VISIBLE
    assert not ModerationAction.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), object_id=draft.pk
    ).exists()


def test_moderator_locks_a_published_post_through_the_rendered_forms(app, moderator, published):
    page = app.get(reverse("admin:forum_post_changelist"), user=moderator)
    form = page.forms["changelist-form"]
    form["action"].select("lock")
    tick(form, published)
    reason_page = form.submit()
    reason_form = reason_page.forms["action-reason-form"]
    reason_form["reason"] = ""
    refused = reason_form.submit()
    assert "Give a reason" in refused.text
    refused.forms["action-reason-form"]["reason"] = "Heated; cooling off."
    done = refused.forms["action-reason-form"].submit().follow()
    assert "Lock the discussion: done for 1 post" in done.text
    published.refresh_from_db()
    assert published.is_locked
    assert ModerationAction.objects.get(action="lock").reason == "Heated; cooling off."


def test_deletion_pages_never_list_a_drafts_title(app, superuser, member, draft, published):
    # Members are never raw-deleted in the admin (account deletion keeps a tombstone: accounts'
    # delete_accounts action), so no page lists what a member's deletion would take. Deleting a
    # section would take its posts, which are protected and which no one may delete here: Django
    # then names only the kind ("post"), never a title. This holds the admin to that.
    app.get(reverse("admin:accounts_user_delete", args=[member.pk]), user=superuser, status=403)
    changelist = app.get(reverse("admin:accounts_user_changelist"), user=superuser)
    form = changelist.forms["changelist-form"]
    assert "delete_selected" not in [value for value, *_ in form["action"].options]
    form["action"].select("delete_accounts")
    tick(form, member)
    assert_private(form.submit().text)  # its confirmation page names the member, not posts
    section = app.get(
        reverse("admin:forum_section_delete", args=[draft.section_id]), user=superuser
    )
    assert_private(section.text)
    assert Post.objects.filter(pk=draft.pk).exists()
