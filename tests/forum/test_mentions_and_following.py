"""Who hears of a reply, an @mention or a new comment in a followed discussion, and who doesn't:
the author, members who muted the discussion or block the writer, members who turned it off,
anyone at all once it was removed. Tasks run at once (the immediate backend), after commit."""

import pytest
from django.urls import reverse

from accounts.models import Block, Notification, NotificationPreference, User
from accounts.services import block_create, notifications_mark_read
from forum import moderation, services
from forum.markup import mentioned_usernames, render_markdown
from forum.models import Follow
from tests.conftest import make_member
from tests.forum import factories
from tests.webforms import form_to

pytestmark = pytest.mark.django_db


def told(user, kind=None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @bob and @Alice.", ["bob", "alice"]),
        ("write to bob@example.org", []),
        ("`@code` and [@link](https://x.org) but @real", ["real"]),
        ("```\n@fenced\n```", []),
        ("https://example.org/@handle", []),
        ("@@double @x_y- trailing", ["x_y"]),
        ("**@bold** _@em_", ["bold", "em"]),
        ("@bob @BOB @Bob", ["bob"]),
        ("@", []),
        ("@\u0430dmin cyrillic", []),
        ("<script>@evil</script>", ["evil"]),  # shown as text, so a mention like any
    ],
)
def test_mention_parsing_with_odd_input(text, names):
    assert mentioned_usernames(render_markdown(text)) == names


def test_mentions_stop_at_ten():
    text = " ".join(f"@m{i}" for i in range(30))
    assert mentioned_usernames(render_markdown(text)) == [f"m{i}" for i in range(10)]


def test_a_reply_tells_the_author_once_even_when_it_mentions_them(member, other_member, on_commit):
    post = factories.post(member)
    with on_commit():
        factories.comment(post, other_member, f"@{member.username} you're right")
    [note] = told(member)
    assert note.kind == "reply"
    assert note.actor == other_member and "you're right" in note.excerpt
    member.refresh_from_db()
    assert member.unread_notifications == 1


def test_mentions_in_comments_and_posts_tell_the_members_named(member, other_member, on_commit):
    carol = make_member("carol")
    with on_commit():
        post = factories.post(member, body=f"Ask @{carol.username} and @nobody-here about it")
    [note] = told(carol)
    assert note.kind == "mention" and note.url == post.get_absolute_url()
    with on_commit():
        factories.comment(post, other_member, "@CAROL what do you think? And @" + member.username)
    assert [n.kind for n in told(carol)] == ["mention", "mention"]
    assert [n.kind for n in told(member)] == ["reply"]  # the post's author: a reply, not both
    assert told(other_member) == []  # nobody hears of their own action


def test_more_than_ten_mentions_tell_ten_even_over_edits(member, on_commit):
    others = [make_member(f"m{i}") for i in range(14)]
    post = factories.post(member)
    with on_commit():
        comment = factories.comment(post, member, " ".join(f"@{u.username}" for u in others[:10]))
    with on_commit():
        services.comment_update(
            comment=comment, actor=member, body=" ".join(f"@{u.username}" for u in others[4:])
        )
    assert Notification.objects.filter(kind="mention").count() == 10
    assert not told(others[12])


def test_drafts_mention_nobody_until_published(member, other_member, on_commit):
    with on_commit():
        draft = factories.post(member, body=f"cc @{other_member.username}", publish=False)
    assert told(other_member) == []
    with on_commit():
        services.post_update(
            post=draft, actor=member, section=draft.section, title=draft.title,
            body=draft.body, publish=True,
        )  # fmt: skip
    assert [n.kind for n in told(other_member)] == ["mention"]


def test_followers_hear_of_new_comments_and_muted_members_of_nothing(
    member, other_member, on_commit
):
    carol, dan = make_member("carol"), make_member("dan")
    post = factories.post(member)
    with on_commit():
        factories.comment(post, carol, "First")  # carol follows it now
    with on_commit():
        factories.comment(post, dan, "Second")  # dan too
    assert [n.kind for n in told(carol)] == ["followed"]
    services.post_follow_set(post=post, actor=carol, choice="mute")
    with on_commit():
        reply = factories.comment(post, other_member, f"@{carol.username} and @{dan.username}")
    assert len(told(carol)) == 1  # muted: no mention, no new comment
    assert [n.kind for n in told(dan)] == ["mention"]  # one, though he also follows
    assert reply.author_id != member.pk and len(told(member)) == 3  # replies to the author


def test_a_member_who_blocks_the_writer_hears_nothing_of_them(member, other_member, on_commit):
    post = factories.post(member)
    block_create(actor=member, member=other_member)
    with on_commit():
        factories.comment(post, other_member, f"@{member.username} hello")
    assert told(member) == []


def test_moderators_cant_be_blocked(member, moderator):
    from accounts.services import BlockRefused

    with pytest.raises(BlockRefused):
        block_create(actor=member, member=moderator)
    with pytest.raises(BlockRefused):
        block_create(actor=member, member=member)


def test_preferences_off_and_site_only_are_honoured(member, other_member, on_commit, mailoutbox):
    post = factories.post(member)
    NotificationPreference.objects.create(user=member, category="replies", delivery="off")
    with on_commit():
        factories.comment(post, other_member, "Not heard")
    assert told(member) == []
    NotificationPreference.objects.filter(user=member).update(delivery="site")
    with on_commit():
        factories.comment(post, other_member, "Heard in the site")
    [note] = told(member)
    assert note.email == ""
    assert not mailoutbox


def test_replies_are_emailed_by_default(member, other_member, on_commit, mailoutbox, settings):
    settings.NOTIFICATION_EMAIL_DELAY = 0
    post = factories.post(member, title="Branch AGM")
    with on_commit():
        factories.comment(post, other_member, "See you there")
    [email] = mailoutbox
    assert email.subject == f"[Grassroots] {other_member.name} replied to your post “Branch AGM”"
    assert "See you there" in email.body


def test_a_comment_removed_before_delivery_notifies_nobody(
    member, other_member, moderator, django_capture_on_commit_callbacks
):
    post = factories.post(member)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = factories.comment(post, other_member, "Something libellous")
    moderation.content_remove(actor=moderator, target=comment, reason="Libel")
    for callback in callbacks:  # the worker runs after the removal
        callback()
    assert not Notification.objects.filter(kind__in=["reply", "followed", "mention"]).exists()


def test_removing_a_comment_withdraws_its_unread_notifications(
    member, other_member, moderator, on_commit
):
    carol = make_member("carol")
    post = factories.post(member)
    with on_commit():
        factories.comment(post, carol, "I follow")
        comment = factories.comment(post, other_member, "Something libellous")
    notifications_mark_read(actor=carol)  # carol saw hers
    with on_commit():
        moderation.content_remove(actor=moderator, target=comment, reason="Libel")
    member.refresh_from_db()
    carol.refresh_from_db()
    assert [n.kind for n in told(member)] == ["reply"]  # carol's reply only
    assert member.unread_notifications == 1
    assert len(told(carol)) == 1 and carol.unread_notifications == 0


def test_deleting_ones_comment_withdraws_its_unread_notifications(member, other_member, on_commit):
    post = factories.post(member)
    with on_commit():
        comment = factories.comment(post, other_member, "Oops")
    services.comment_delete(comment=comment, actor=other_member)
    member.refresh_from_db()
    assert told(member) == [] and member.unread_notifications == 0


def test_follow_and_mute_buttons_as_rendered(app, member, other_member):
    post = factories.post(other_member)
    page = app.get(post.get_absolute_url(), user=member)
    page = page.forms["follow-form"].submit("choice", value="follow").follow()
    assert "You follow this discussion" in page.text
    assert Follow.objects.get(post=post, user=member).following
    page = page.forms["follow-form"].submit("choice", value="mute").follow()
    assert "You muted this discussion" in page.text
    assert Follow.objects.get(post=post, user=member).muted
    page = page.forms["follow-form"].submit("choice", value="follow").follow()
    follow = Follow.objects.get(post=post, user=member)
    assert follow.following and not follow.muted


def test_follow_is_post_only_members_only_and_drafts_are_404(client, member, other_member):
    post = factories.post(other_member)
    url = reverse("forum:post-follow", args=[post.pk])
    assert client.post(url).status_code == 302  # to log in
    assert not Follow.objects.filter(user=member).exists()
    client.force_login(member)
    assert client.get(url).status_code == 405
    draft = factories.post(other_member, publish=False, title="Secret")
    assert client.post(reverse("forum:post-follow", args=[draft.pk])).status_code == 404
    response = client.post(url, {"choice": "nonsense"}, follow=True)
    assert "Follow, unfollow or mute." in response.content.decode()


def test_block_button_on_a_profile_as_rendered(app, member, other_member):
    page = app.get(other_member.get_absolute_url(), user=member)
    page = page.forms["block-form"].submit().follow()
    assert f"You have blocked @{other_member.username}" in page.text
    assert Block.objects.filter(blocker=member, blocked=other_member).exists()
    settings_page = app.get(reverse("accounts:notification-settings"), user=member)
    assert other_member.username in settings_page.text
    form_to(settings_page, reverse("accounts:unblock", args=[other_member.username])).submit()
    assert not Block.objects.exists()
    # Again from the profile, whose page then offers Unblock.
    page = app.get(other_member.get_absolute_url(), user=member)
    page = page.forms["block-form"].submit().follow()
    page = page.forms["unblock-form"].submit().follow()
    assert f"You no longer block @{other_member.username}." in page.text
    assert not Block.objects.exists()


def test_block_is_post_only_and_needs_a_log_in(client, member, other_member):
    url = reverse("accounts:block", args=[other_member.username])
    assert client.post(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 405
    assert client.post(reverse("accounts:block", args=["nobody"])).status_code == 404
    assert not Block.objects.exists()


def test_notification_settings_form_as_rendered(app, member):
    page = app.get(reverse("accounts:notification-settings"), user=member)
    form = page.forms["notification-settings-form"]
    assert form["replies"].value == "email" and form["followed"].value == "digest"
    form["replies"] = "digest"
    form["mentions"] = "off"
    done = form.submit().follow()
    assert "Your notification settings are saved." in done.text
    chosen = dict(
        NotificationPreference.objects.filter(user=member).values_list("category", "delivery")
    )
    assert chosen["replies"] == "digest" and chosen["mentions"] == "off"
    assert done.forms["notification-settings-form"]["replies"].value == "digest"


def test_notification_settings_refuse_a_choice_not_offered(client, member):
    client.force_login(member)
    data = {"replies": "email", "mentions": "email", "followed": "digest", "messages": "email"}
    response = client.post(
        reverse("accounts:notification-settings"),
        {**data, "campaigns": "email", "moderation": "off"},  # moderation can't be off
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationPreference.objects.exists()
    assert client.get(reverse("accounts:notification-settings")).status_code == 200


def test_notification_settings_need_a_log_in(client):
    response = client.get(reverse("accounts:notification-settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_settings_page_query_count_is_constant(client, member, django_assert_num_queries):
    for i in range(30):
        Block.objects.create(blocker=member, blocked=make_member(f"b{i}"))
    client.force_login(member)
    # session, user, preferences, my groups (the header's moderator links), blocks (+members)
    with django_assert_num_queries(5):
        response = client.get(reverse("accounts:notification-settings"))
    assert response.content.decode().count("Unblock") == 30
    assert User.objects.count() == 31
