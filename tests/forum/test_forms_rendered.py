"""Every forum form a member uses, loaded and submitted as the page renders it (WebTest).

Posting a dict to a URL tests the view; these prove the page offers the fields, buttons and values
the view expects (the moderation page once rendered radio labels with no inputs, and no test noticed).
"""

import pytest
from django.urls import reverse

from forum.models import Comment, CommentRevision, CommentVote, Post, PostRevision, Recommendation
from forum.models import Report as ForumReport
from tests.webforms import buttons_to, form_to, form_with

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(member):
    return factories.post(member, title="Open the party's books", body="We want **every** line.")


def arrive(response):
    """Follow redirects to the page the browser ends on."""
    while 300 <= response.status_code < 400:
        response = response.follow()
    return response


# Writing a post ---------------------------------------------------------------------------------


def test_write_preview_then_publish_as_rendered(app, member):
    page = app.get(reverse("forum:post-create"), user=member)
    form = page.forms["post-form"]
    # The section is a <select>: choose it by its value, as a browser does.
    form["section"].select(str(factories.section("unions").pk))
    form["title"] = "Recognition at the depot"
    form["body"] = "We need **recognition** now."
    preview = form.submit("action", value="preview")
    assert preview.status_code == 200
    assert "<strong>recognition</strong>" in preview.text
    assert "Not saved yet" in preview.text
    assert not Post.objects.exists()

    # The preview keeps everything typed, so publishing from it needs nothing retyped.
    form = preview.forms["post-form"]
    assert form["title"].value == "Recognition at the depot"
    assert form["section"].value == str(factories.section("unions").pk)
    published = form.submit("action", value="publish").follow()
    post = Post.objects.get()
    assert (post.title, post.section.slug, post.author) == (
        "Recognition at the depot",
        "unions",
        member,
    )
    assert post.is_published
    assert "Your post is published." in published.text
    assert "<strong>recognition</strong>" in published.text


def test_save_draft_as_rendered_lists_it_under_my_drafts(app, member):
    page = app.get(reverse("forum:post-create"), user=member)
    form = page.forms["post-form"]
    form["title"] = "Half a thought"
    form["body"] = "To be finished."
    edit_page = form.submit("action", value="draft").follow()
    draft = Post.objects.get()
    assert not draft.is_published
    assert "Draft saved. Only you can see it." in edit_page.text
    assert edit_page.request.path == reverse("forum:post-edit", args=[draft.pk])
    # The drafts page (it has no form of its own) links to the editor.
    drafts = app.get(reverse("forum:drafts"), user=member)
    assert "Half a thought" in drafts.text
    editor = drafts.click("Half a thought")

    # Publishing the draft from its editor, as rendered.
    published = editor.forms["post-form"].submit("action", value="publish").follow()
    draft.refresh_from_db()
    assert draft.is_published
    assert "Your post is published." in published.text
    assert "Half a thought" not in app.get(reverse("forum:drafts"), user=member).text


def test_empty_post_is_refused_keeping_what_was_typed(app, member):
    form = app.get(reverse("forum:post-create"), user=member).forms["post-form"]
    form["title"] = "A title with no body"
    form["body"] = "   "
    page = form.submit("action", value="publish")
    assert page.status_code == 200
    assert "Write something before you save." in page.text
    assert page.forms["post-form"]["title"].value == "A title with no body"
    assert not Post.objects.exists()


def test_edit_post_as_rendered_keeps_history(app, member, post):
    detail = app.get(post.get_absolute_url(), user=member)
    editor = detail.click("Edit", href=reverse("forum:post-edit", args=[post.pk]))
    form = editor.forms["post-form"]
    # A published post offers no "Save draft": it can't go back to being private.
    assert [b.value_if_submitted() for b in form.fields["action"]] == ["preview", "publish"]
    assert form["body"].value == "We want **every** line."
    form["body"] = "We want every line, audited."
    saved = form.submit("action", value="publish").follow()
    post.refresh_from_db()
    assert post.body == "We want every line, audited."
    assert post.edited_at is not None
    assert PostRevision.objects.get(post=post).body == "We want **every** line."
    assert "edited" in saved.text

    # The history page (no form of its own) shows the replaced version to the author.
    history = saved.click("history")
    assert "We want **every** line." in history.text


def test_delete_post_as_rendered(app, member, other_member, post):
    factories.comment(post, other_member, "A reply that stays")
    detail = app.get(post.get_absolute_url(), user=member)
    page = arrive(form_to(detail, reverse("forum:post-delete", args=[post.pk])).submit())
    post.refresh_from_db()
    assert post.state == "deleted"
    assert "Your post is deleted. Its discussion stays readable." in page.text
    assert "[deleted by its author]" in page.text
    assert "A reply that stays" in page.text


def test_delete_draft_as_rendered_returns_to_drafts(app, member):
    draft = factories.post(member, title="Never mind", publish=False)
    detail = app.get(draft.get_absolute_url(), user=member)
    page = form_to(detail, reverse("forum:post-delete", args=[draft.pk])).submit().follow()
    assert page.request.path == reverse("forum:drafts")
    assert "Your post is deleted." in page.text
    draft.refresh_from_db()
    assert draft.state == "deleted"


# Replying ---------------------------------------------------------------------------------------


def test_reply_box_under_the_post_as_rendered(app, post, other_member, member):
    detail = app.get(post.get_absolute_url(), user=other_member)
    form = form_to(detail, reverse("forum:comment-create", args=[post.pk]))
    form["body"] = "Hear, *hear*."
    page = form.submit().follow()
    comment = Comment.objects.get()
    assert (comment.author, comment.parent, comment.body) == (other_member, None, "Hear, *hear*.")
    assert "Your reply is posted." in page.text
    assert "<em>hear</em>" in page.text


def test_empty_reply_from_the_post_page_is_refused_on_the_reply_page(app, post, other_member):
    detail = app.get(post.get_absolute_url(), user=other_member)
    form = form_to(detail, reverse("forum:comment-create", args=[post.pk]))
    form["body"] = "  "
    page = form.submit()
    assert page.status_code == 200
    assert "Write something before you post your reply." in page.text
    # The reply page's form posts to the same place, so the member can try again there.
    again = form_to(page, reverse("forum:comment-create", args=[post.pk]))
    again["body"] = "Second try"
    again.submit().follow()
    assert Comment.objects.get().body == "Second try"


def test_nested_reply_through_the_reply_page_as_rendered(app, post, member, other_member):
    top = factories.comment(post, other_member, "First")
    detail = app.get(post.get_absolute_url(), user=member)
    reply_page = detail.click("reply", href=reverse("forum:comment-reply", args=[top.pk]))
    assert "First" in reply_page.text  # what you answer is shown
    form = form_to(reply_page, reverse("forum:comment-reply", args=[top.pk]))
    form["body"] = "Second, nested"
    page = form.submit().follow()
    reply = Comment.objects.get(body="Second, nested")
    assert (reply.parent, reply.level, reply.tree_id) == (top, 1, top.tree_id)
    assert "Your reply is posted." in page.text
    assert page.request.path == reply.get_absolute_url()


def test_reply_refused_on_a_locked_post_keeps_the_text(app, post, member, other_member):
    top = factories.comment(post, other_member, "First")
    reply_page = app.get(reverse("forum:comment-reply", args=[top.pk]), user=member)
    Post.objects.filter(pk=post.pk).update(is_locked=True)  # locked while the member types
    form = form_to(reply_page, reverse("forum:comment-reply", args=[top.pk]))
    form["body"] = "My careful answer"
    page = form.submit()
    assert page.status_code == 200
    assert "This discussion is locked" in page.text
    assert form_to(page, form.action)["body"].value == "My careful answer"
    assert Comment.objects.count() == 1


# Editing and deleting comments -------------------------------------------------------------------


def test_edit_comment_as_rendered(app, post, other_member):
    comment = factories.comment(post, other_member, "Fist version")
    detail = app.get(post.get_absolute_url(), user=other_member)
    editor = detail.click("edit", href=reverse("forum:comment-edit", args=[comment.pk]))
    form = editor.forms["comment-edit-form"]
    assert form["body"].value == "Fist version"
    form["body"] = "First version"
    page = form.submit().follow()
    comment.refresh_from_db()
    assert comment.body == "First version"
    assert CommentRevision.objects.get(comment=comment).body == "Fist version"
    assert "Your comment is updated." in page.text
    # The comment history page has no form; it shows the replaced text.
    history = page.click("history", href=reverse("forum:comment-history", args=[comment.pk]))
    assert "Fist version" in history.text


def test_emptying_a_comment_as_rendered_is_refused(app, post, other_member):
    comment = factories.comment(post, other_member, "Original words")
    form = app.get(reverse("forum:comment-edit", args=[comment.pk]), user=other_member).forms[
        "comment-edit-form"
    ]
    form["body"] = ""
    page = form.submit()
    assert page.status_code == 200
    assert "Write something before you post your reply." in page.text
    comment.refresh_from_db()
    assert comment.body == "Original words"


def test_delete_comment_as_rendered(app, post, member, other_member):
    parent = factories.comment(post, other_member, "Parent text to delete")
    factories.comment(post, member, "Child stays readable", parent=parent)
    detail = app.get(post.get_absolute_url(), user=other_member)
    delete = buttons_to(detail, reverse("forum:comment-delete", args=[parent.pk]))
    page = delete.submit().follow()
    parent.refresh_from_db()
    assert (parent.state, parent.body) == ("deleted", "")
    assert "Your comment is deleted. Replies to it stay." in page.text
    assert "[deleted by its author]" in page.text
    assert "Child stays readable" in page.text


# Votes and recommendations -----------------------------------------------------------------------


def _vote_form(app, post, comment, user):
    page = app.get(post.get_absolute_url() + "?sort=old", user=user)
    return buttons_to(page, reverse("forum:comment-vote", args=[comment.pk]))


def test_vote_up_take_back_and_vote_down_as_rendered(app, post, member, other_member):
    comment = factories.comment(post, other_member, "Vote me")
    form = _vote_form(app, post, comment, member)
    # The two buttons carry the values the view knows; the page form's hidden `next` brings the
    # member back, to the comment voted on.
    assert form.values() == ["up", "down"]
    assert form.form["next"].value == f"{post.get_absolute_url()}?sort=old"
    back = form.submit("up")
    assert back.status_code == 302
    assert back["Location"] == f"{post.get_absolute_url()}?sort=old#c{comment.pk}"
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (1, 0)

    # After an up-vote the page offers to take it back (vote=clear) and still to vote down.
    form = _vote_form(app, post, comment, member)
    assert form.values() == ["clear", "down"]
    page = back.follow()
    assert 'aria-pressed="true" class="vote up"' in page.text
    form.submit("clear")
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes) == (0, 0)
    assert not CommentVote.objects.exists()

    _vote_form(app, post, comment, member).submit("down")
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes, comment.score) == (0, 1, -1)
    form = _vote_form(app, post, comment, member)
    assert form.values() == ["up", "clear"]
    form.submit("clear")
    assert not CommentVote.objects.exists()


def test_vote_on_a_permalink_returns_to_the_permalink(app, post, member, other_member):
    comment = factories.comment(post, other_member, "Vote me")
    page = app.get(comment.get_absolute_url(), user=member)
    back = buttons_to(page, reverse("forum:comment-vote", args=[comment.pk])).submit("up")
    assert back.headers["Location"] == f"{comment.get_absolute_url()}#c{comment.pk}"
    assert CommentVote.objects.get().value == 1


def test_recommend_and_take_back_as_rendered(app, post, other_member):
    action = reverse("forum:post-recommend", args=[post.pk])
    detail = app.get(post.get_absolute_url(), user=other_member)
    form = form_to(detail, action)
    assert form["action"].value == "recommend"
    page = form.submit().follow()
    assert Recommendation.objects.filter(post=post, user=other_member).exists()
    assert "Recommended ✓ (1)" in page.text

    form = form_to(page, action)
    assert form["action"].value == "unrecommend"
    page = form.submit().follow()
    assert not Recommendation.objects.exists()
    assert "Recommend (0)" in page.text


# Reports ----------------------------------------------------------------------------------------


def _report_form(page):
    return form_with(page, "reason", "detail")


def test_report_a_post_choosing_the_reason_by_value(app, post, other_member):
    detail = app.get(post.get_absolute_url(), user=other_member)
    report_page = detail.click("Report", href=reverse("forum:report", args=["post", post.pk]))
    form = _report_form(report_page)
    # Every reason the model knows is offered as a radio button (not labels without inputs).
    assert [value for value, _, _ in form["reason"].options] == ForumReport.Reason.values
    form["reason"].select("spam")
    page = form.submit().follow()
    report = ForumReport.objects.get()
    assert (report.reporter, report.reason, report.target) == (other_member, "spam", post)
    assert "Thank you. Moderators will review your report." in page.text
    assert page.request.path == post.get_absolute_url()


def test_report_a_comment_for_another_reason_needs_a_note(app, post, member, other_member):
    comment = factories.comment(post, other_member, "Something rude")
    detail = app.get(post.get_absolute_url(), user=member)
    report_page = detail.click("report", href=reverse("forum:report", args=["comment", comment.pk]))
    form = _report_form(report_page)
    form["reason"].select("other")
    page = form.submit()
    assert page.status_code == 200
    assert "Tell the moderators what is wrong." in page.text
    assert not ForumReport.objects.exists()
    # The choice survives the error: only the note needs adding.
    form = _report_form(page)
    assert form["reason"].value == "other"
    form["detail"] = "Names a member's employer."
    page = form.submit().follow()
    report = ForumReport.objects.get()
    assert (report.reason, report.detail, report.target) == (
        "other",
        "Names a member's employer.",
        comment,
    )
    assert "Thank you. Moderators will review your report." in page.text


def test_report_a_campaign_as_rendered(app, organiser, member):
    from tests.campaigns import factories as campaign_factories

    campaign = campaign_factories.campaign(organiser, title="Save the library")
    detail = app.get(campaign.get_absolute_url(), user=member)
    report_url = reverse("forum:report", args=["campaign", campaign.pk])
    report_page = detail.click(href=report_url)
    form = _report_form(report_page)
    form["reason"].select("abuse")
    page = form.submit().follow()
    report = ForumReport.objects.get()
    assert (report.reason, report.target, report.reporter) == ("abuse", campaign, member)
    assert "Thank you. Moderators will review your report." in page.text


def test_a_second_report_is_refused_with_a_message(app, post, other_member):
    url = reverse("forum:report", args=["post", post.pk])
    form = _report_form(app.get(url, user=other_member))
    form["reason"].select("off_topic")
    form.submit()
    form = _report_form(app.get(url, user=other_member))
    form["reason"].select("spam")
    page = form.submit()
    assert page.status_code == 200
    assert "You have already reported this." in page.text
    assert _report_form(page)["reason"].value == "spam"
    assert ForumReport.objects.count() == 1


# Logging out (the header's button, on every page) -----------------------------------------------


def test_log_out_button_in_the_header(app, member, post):
    page = app.get(post.get_absolute_url(), user=member)
    home = form_to(page, reverse("account_logout")).submit().follow()
    assert 'href="/accounts/login/"' in home.text
    assert "Log out" not in home.text
    assert "_auth_user_id" not in app.session
