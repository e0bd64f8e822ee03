import re

import pytest
from playwright.sync_api import expect

from forum import services
from forum.models import Comment, Post, Recommendation
from tests.browser.conftest import log_in
from tests.conftest import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_write_reply_to_a_reply_collapse_and_recommend(new_page):
    alice = make_member("alice", display_name="Alice Okafor")
    make_member("bob", display_name="Bob Hughes")
    carol = make_member("carol", display_name="Carol Jones")

    # Alice writes and publishes a post.
    alice_page = new_page()
    log_in(alice_page, "alice")
    alice_page.get_by_role("link", name="Write a post").click()
    alice_page.get_by_label("Section").select_option(label="Party finances")
    alice_page.get_by_label("Title").fill("Open the party's books")
    alice_page.get_by_label("Body").fill("Every member should see **every** line of the accounts.")
    alice_page.get_by_role("button", name="Preview").click()
    expect(alice_page.locator(".preview strong")).to_have_text("every")
    alice_page.get_by_role("button", name="Publish").click()
    expect(alice_page.get_by_role("heading", level=1)).to_have_text("Open the party's books")
    post = Post.objects.get()
    assert post.status == "published"

    # Carol comments and Alice answers her, so there is a reply to reply to.
    root = services.comment_create(post=post, actor=carol, body="Who audits the auditors?")
    answer = services.comment_create(
        post=post, actor=alice, body="The members, at conference.", parent=root
    )

    # Bob replies to Alice's reply, without any JavaScript needed.
    bob_page = new_page()
    log_in(bob_page, "bob")
    bob_page.goto(post.get_absolute_url())
    bob_page.locator(f"#c{answer.pk}").get_by_role("link", name="reply").first.click()
    bob_page.get_by_label("Your reply").fill("Then conference needs the full ledger.")
    bob_page.get_by_role("button", name="Post reply").click()
    expect(bob_page.get_by_text("Then conference needs the full ledger.")).to_be_visible()
    reply = Comment.objects.get(author__username="bob")
    assert reply.parent_id == answer.pk
    assert reply.level == 2

    # Bob collapses Carol's branch: its replies disappear and the hidden count shows.
    bob_page.goto(post.get_absolute_url())
    branch = bob_page.locator(f"#c{root.pk} > details")
    expect(branch.get_by_text("The members, at conference.")).to_be_visible()
    branch.locator("> summary").click()
    expect(branch.get_by_text("The members, at conference.")).to_be_hidden()
    expect(branch.locator("> summary")).to_contain_text("2 replies")

    # Bob recommends the post.
    bob_page.get_by_role("button", name=re.compile(r"^Recommend \(0\)")).click()
    expect(bob_page.get_by_role("button", name=re.compile(r"Recommended ✓ \(1\)"))).to_be_visible()
    assert Recommendation.objects.filter(post=post, user__username="bob").exists()

    # Bob up-votes Alice's answer: the button submits the page's one form to the comment's own
    # vote URL (formaction), and he lands back on the comment, his vote pressed.
    bob_page.goto(post.get_absolute_url())
    bob_page.locator(f"#c{answer.pk}").get_by_role("button", name="Up-vote").first.click()
    expect(bob_page).to_have_url(re.compile(rf"#c{answer.pk}$"))
    pressed = bob_page.locator(f"#c{answer.pk} .vote.up").first
    expect(pressed).to_have_attribute("aria-pressed", "true")
    answer.refresh_from_db()
    assert (answer.upvotes, answer.score) == (1, 1)

    # And deletes his own reply from its confirm box; its place stays as a placeholder.
    mine = bob_page.locator(f"#c{reply.pk}")
    mine.locator("summary", has_text="delete").click()
    mine.get_by_role("button", name="Delete this comment").click()
    expect(bob_page.get_by_text("Your comment is deleted. Replies to it stay.")).to_be_visible()
    reply.refresh_from_db()
    assert reply.state == "deleted"
