"""Private messages as members use them: starting a conversation from a profile, replying, unread
markers, leaving, deleting; and who may not see or send (strangers, blocked members, moderators
before a report, suspended members). Every form is the one the page renders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.services import block_create
from conversations import services
from conversations.models import Conversation, Message, ModeratorView, Participant
from forum import moderation
from forum.models import ModerationAction, Report
from forum.services import ActionRefused
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

OLD = timezone.now() - timedelta(days=30)  # joined long ago: not a new member


def start(actor, *recipients, subject="Drinks at conference?", body="Shall we meet on Sunday?"):
    return services.conversation_start(
        actor=actor, recipients=list(recipients), subject=subject, body=body
    )


def said(page) -> str:
    """What the page says, as a reader sees it (entities decoded, whitespace collapsed)."""
    return " ".join(page.html.get_text().split())


def detail_url(conversation):
    return reverse("conversations:detail", args=[conversation.pk])


def test_a_member_writes_to_another_from_their_profile(app, member, other_member, on_commit):
    profile = app.get(other_member.get_absolute_url(), user=member)
    page = profile.click(linkid="message-member")
    form = page.forms["conversation-form"]
    assert form["to"].value == other_member.username
    form["subject"] = "Drinks at conference?"
    form["body"] = "Shall we meet by the **bar** on Sunday?"
    with on_commit():
        page = form.submit().follow()
    assert "Your message is sent." in page.text
    assert page.html.select_one("h1").get_text(strip=True) == "Drinks at conference?"
    assert "<strong>bar</strong>" in page.text
    conversation = Conversation.objects.get()
    assert conversation.started_by == member and conversation.message_count == 1
    assert set(conversation.participants.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
    }
    [note] = Notification.objects.filter(user=other_member)
    assert note.kind == "message" and note.category == "messages"
    assert note.actor == member and note.thread == f"conversation:{conversation.pk}"
    assert note.email == Notification.Email.NOW  # messages are emailed by default
    assert "Shall we meet" in note.excerpt
    assert Notification.objects.filter(user=member).count() == 0


def test_the_list_marks_unread_conversations_until_opened_and_replies_reach_the_starter(
    app, member, other_member, on_commit
):
    with on_commit():
        conversation = start(member, other_member)
    listing = app.get(reverse("conversations:list"), user=other_member)
    [item] = listing.html.select(".conversation")
    assert "unread" in item["class"]
    assert "Drinks at conference?" in listing.text and "Alice Okafor" in listing.text
    other_member.refresh_from_db()
    assert other_member.unread_notifications == 1

    page = listing.click("Drinks at conference?")
    assert "Shall we meet on Sunday?" in page.text
    other_member.refresh_from_db()
    assert other_member.unread_notifications == 0  # opening it read its notifications
    assert not app.get(reverse("conversations:list"), user=other_member).html.select(".unread")

    form = page.forms["message-form"]
    form["body"] = "Yes: see you at **noon**."
    with on_commit():
        page = form.submit().follow().follow()
    assert "see you at <strong>noon</strong>" in page.text
    assert Message.objects.filter(conversation=conversation).count() == 2
    assert app.get(reverse("conversations:list"), user=member).html.select(".unread")
    assert Notification.objects.filter(user=member, kind="message").count() == 1


def test_an_empty_or_unknown_recipient_is_explained_and_the_text_kept(app, member, other_member):
    page = app.get(reverse("conversations:start"), user=member)
    form = page.forms["conversation-form"]
    form["to"] = "@bob, nobody-here"
    form["subject"] = "About the AGM"
    form["body"] = "My long, careful message."
    page = form.submit()
    assert page.status_code == 200
    assert "No member is called @nobody-here." in page.text
    assert page.forms["conversation-form"]["body"].value == "My long, careful message."
    assert page.forms["conversation-form"]["subject"].value == "About the AGM"
    form = page.forms["conversation-form"]
    form["to"] = f"@{member.username}"
    page = form.submit()
    assert "Choose at least one member to write to (not yourself)." in page.text
    form = page.forms["conversation-form"]
    form["to"] = " ".join(f"m{i}" for i in range(10))
    page = form.submit()
    assert "at most 10 people, you included" in page.text
    form = page.forms["conversation-form"]
    form["to"] = "@Bob bob BOB"
    form.submit().follow()
    assert list(Participant.objects.values_list("user__username", flat=True).order_by("user")) == [
        "alice",
        "bob",
    ]


def test_markdown_goes_through_the_sanitiser(app, member, other_member):
    conversation = start(
        member, other_member, body="<script>alert(1)</script> [x](javascript:alert(1))"
    )
    page = app.get(detail_url(conversation), user=other_member)
    assert "<script>alert(1)" not in page.text
    assert not page.html.select('a[href^="javascript"]')


def test_a_group_conversation_tells_everyone_but_the_writer(member, other_member, on_commit):
    carol, dan = make_member("carol"), make_member("dan")
    with on_commit():
        conversation = start(member, other_member, carol, dan)
    assert Notification.objects.filter(kind="message").count() == 3
    with on_commit():
        services.message_send(conversation=conversation, actor=carol, body="Count me in")
    assert Notification.objects.filter(user=carol).count() == 1  # only alice's
    assert Notification.objects.filter(user=member).count() == 1


# Who may see ------------------------------------------------------------------------------------


def test_strangers_get_404_everywhere_and_anonymous_visitors_are_sent_to_log_in(
    app, client, member, other_member
):
    conversation = start(member, other_member)
    message = conversation.messages.get()
    carol = make_member("carol")
    urls = [
        detail_url(conversation),
        reverse("conversations:message", args=[message.pk]),
        reverse("forum:report", args=["message", message.pk]),
    ]
    for url in urls:
        assert app.get(url, user=carol, expect_errors=True).status_code == 404
    for url in [
        reverse("conversations:leave", args=[conversation.pk]),
        reverse("conversations:message-delete", args=[message.pk]),
    ]:
        client.force_login(carol)
        assert client.post(url).status_code == 404
        assert client.get(url).status_code == 405  # POST only
    client.logout()
    for url in [reverse("conversations:list"), reverse("conversations:start"), *urls]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert "Drinks" not in app.get(reverse("conversations:list"), user=carol).text
    with pytest.raises(ActionRefused, match="not in this conversation"):
        services.message_send(conversation=conversation, actor=carol, body="Let me in")


def test_moderators_see_a_message_only_once_reported_with_two_before_and_logged(
    app, member, other_member, moderator
):
    conversation = start(member, other_member, body="First")
    for body in ("Second", "Third", "Fourth"):
        services.message_send(conversation=conversation, actor=member, body=body)
    offending = services.message_send(
        conversation=conversation, actor=member, body="You'll regret it"
    )
    message_url = reverse("conversations:message", args=[offending.pk])
    for url in [
        detail_url(conversation),
        message_url,
        reverse("forum:moderate", args=["message", offending.pk]),
    ]:
        assert app.get(url, user=moderator, expect_errors=True).status_code == 404
    assert "Drinks" not in app.get(reverse("forum:report-queue"), user=moderator).text

    # Bob reports it from the conversation, with the form the report link opens.
    page = app.get(detail_url(conversation), user=other_member)
    report = page.click(href=reverse("forum:report", args=["message", offending.pk]))
    form = report.forms["report-form"]
    form["reason"] = Report.Reason.ABUSE
    page = form.submit().follow().follow()
    assert "Thank you. Moderators will review your report." in page.text
    assert page.request.path == detail_url(conversation)

    queue = app.get(reverse("forum:report-queue"), user=moderator)
    assert f"private message #{offending.pk} by @alice" in queue.text
    assert "You'll regret it" not in queue.text  # lists never quote it
    assert not ModeratorView.objects.exists()
    page = app.get(message_url, user=moderator)
    assert "You'll regret it" in page.text
    assert "Fourth" in page.text and "Third" in page.text
    assert "Second" not in page.text and "First" not in page.text
    [view] = ModeratorView.objects.all()
    assert view.moderator == moderator and view.message == offending
    # The rest of the conversation stays closed to them.
    assert app.get(detail_url(conversation), user=moderator, expect_errors=True).status_code == 404

    form = page.click("Moderate this message").forms["moderate-form"]
    form["action"] = "remove"
    form["reason"] = "Threats break rule 1."
    form.submit()
    page = app.get(detail_url(conversation), user=other_member)
    assert "[removed by a moderator: Threats break rule 1.]" in page.text
    assert "You'll regret it" not in page.text
    action = ModerationAction.objects.get(action=ModerationAction.Action.REMOVE)
    assert not action.is_public  # private messages stay out of the public log
    log = app.get(reverse("forum:moderation-log"))
    assert f"private message #{offending.pk}" not in log.text


def test_members_report_only_what_they_can_see(member, other_member):
    conversation = start(member, other_member)
    carol = make_member("carol")
    with pytest.raises(ActionRefused, match="nothing to report"):
        moderation.report_create(
            actor=carol, target=conversation.messages.get(), reason=Report.Reason.SPAM
        )
    assert not Report.objects.exists()


# Blocking ---------------------------------------------------------------------------------------


def test_a_block_either_way_stops_messages_and_hides_the_conversation_from_the_blocker(
    app, member, other_member, on_commit
):
    conversation = start(member, other_member)
    block_create(actor=other_member, member=member)  # bob blocks alice
    page = app.get(detail_url(conversation), user=member)
    form = page.forms["message-form"]
    form["body"] = "Did you get my message?"
    page = form.submit()
    assert "You and @bob can't send each other messages." in said(page)
    assert page.forms["message-form"]["body"].value == "Did you get my message?"
    assert conversation.messages.count() == 1
    # Bob's list hides it; the page itself still opens for him, saying why he can't write.
    assert "Drinks" not in app.get(reverse("conversations:list"), user=other_member).text
    page = app.get(detail_url(conversation), user=other_member)
    assert "You block @alice" in page.text
    form = page.forms["message-form"]
    form["body"] = "Go away"
    assert "You and @alice can't send each other messages." in said(form.submit())
    # Neither can start a new one with the other; the profile offers bob no message button.
    with pytest.raises(ActionRefused, match="can't send each other messages"):
        start(member, other_member, subject="Again")
    with pytest.raises(ActionRefused, match="can't send each other messages"):
        start(other_member, member, subject="Again")
    assert not app.get(member.get_absolute_url(), user=other_member).html.select("#message-member")


# Suspended members, leaving, deleting ------------------------------------------------------------


def test_a_suspended_member_reads_but_cannot_send(app, member, other_member):
    conversation = start(other_member, member)
    member.suspended_until = timezone.now() + timedelta(days=2)
    member.save()
    page = app.get(detail_url(conversation), user=member)
    assert "Shall we meet on Sunday?" in page.text
    form = page.forms["message-form"]
    form["body"] = "I can't reply?"
    page = form.submit()
    assert "Your account is suspended" in page.text and "send messages" in page.text
    assert page.forms["message-form"]["body"].value == "I can't reply?"
    form = app.get(reverse("conversations:start"), user=member).forms["conversation-form"]
    form["to"], form["subject"], form["body"] = "bob", "Hello", "Hi"
    assert "Your account is suspended" in form.submit().text
    assert Message.objects.count() == 1


def test_leaving_takes_it_off_the_list_and_the_others_see_who_left(
    app, member, other_member, on_commit
):
    carol = make_member("carol", display_name="Carol Jones")
    conversation = start(member, other_member, carol)
    page = app.get(detail_url(conversation), user=carol)
    page = page.forms["leave-form"].submit().follow()
    assert "You left “Drinks at conference?”" in page.text
    assert "Drinks" not in page.html.select_one(".conversation-list").get_text()
    assert app.get(detail_url(conversation), user=carol, expect_errors=True).status_code == 404
    assert "Carol Jones (left)" in said(app.get(detail_url(conversation), user=member))
    with on_commit():
        services.message_send(conversation=conversation, actor=member, body="Carol's gone")
    assert Notification.objects.filter(user=other_member, kind="message").count() == 1
    assert not Notification.objects.filter(user=carol, kind="message").exists()
    # When everyone else has left, there is nobody to write to.
    services.conversation_leave(conversation=conversation, actor=other_member)
    page = app.get(detail_url(conversation), user=member)
    assert "Everyone else has left this conversation." in page.text
    assert "message-form" not in page.forms


def test_deleting_ones_own_message_leaves_a_placeholder_and_takes_back_its_notification(
    app, member, other_member, on_commit
):
    with on_commit():
        conversation = start(member, other_member, body="Sent to the wrong person")
        services.message_send(conversation=conversation, actor=member, body="Sorry, ignore that")
    message, second = conversation.messages.order_by("pk")
    assert Notification.objects.filter(user=other_member).count() == 2
    page = app.get(detail_url(conversation), user=member)
    page = page.forms[f"delete-message-{message.pk}"].submit().follow().follow()
    assert "Your message is deleted." in page.text
    assert "[deleted by its author]" in page.text
    assert "wrong person" not in page.text
    message.refresh_from_db()
    assert message.body == "" and message.body_html == ""
    # Bob hadn't read it: its notification went; the second's stays.
    [note] = Notification.objects.filter(user=other_member)
    assert note.key == f"message:{second.pk}"
    page = app.get(detail_url(conversation), user=other_member)
    assert "Sorry, ignore that" in page.text
    assert not page.html.select(f"#delete-message-{second.pk}")  # not theirs to delete
    assert page.html.select(f"#m{second.pk} .report-link")


# Limits -----------------------------------------------------------------------------------------


def test_new_members_start_conversations_with_at_most_three_people_a_day(settings):
    settings.FORUM_RATE_LIMITS = True
    newcomer = make_member("newcomer")
    people = [make_member(f"p{i}", date_joined=OLD) for i in range(5)]
    start(newcomer, people[0], people[1], subject="One")
    start(newcomer, people[2], subject="Two")
    with pytest.raises(ActionRefused, match="at most 3 people"):
        start(newcomer, people[3], subject="Three")
    start(newcomer, people[0], subject="Again, to someone already written to")
    established = make_member("veteran", date_joined=OLD)
    start(established, *people, subject="Five at once is fine")


def test_new_members_links_and_rates_are_limited(settings, other_member):
    settings.FORUM_RATE_LIMITS = True
    newcomer = make_member("newcomer")
    links = " ".join(f"https://example.org/{i}" for i in range(3))
    with pytest.raises(ActionRefused, match="at most 2 links"):
        start(newcomer, other_member, body=links)
    conversation = start(newcomer, other_member, body="hello")
    for i in range(2):
        services.message_send(conversation=conversation, actor=newcomer, body=f"again {i}")
    with pytest.raises(ActionRefused, match="at most 3 messages a minute"):
        services.message_send(conversation=conversation, actor=newcomer, body="and again")
    veteran = make_member("veteran", date_joined=OLD)
    conversation = start(veteran, other_member, body=links)
    for i in range(9):
        services.message_send(conversation=conversation, actor=veteran, body=f"n{i}")
    with pytest.raises(ActionRefused, match="at most 10 messages a minute"):
        services.message_send(conversation=conversation, actor=veteran, body="n10")


def test_a_double_submitted_message_is_sent_once(member, other_member):
    first = start(member, other_member)
    assert start(member, other_member) == first
    again = services.message_send(conversation=first, actor=member, body="Same")
    assert services.message_send(conversation=first, actor=member, body="Same") == again
    assert Message.objects.count() == 2


# Query budgets ----------------------------------------------------------------------------------


def test_the_list_costs_the_same_with_many_conversations(client, member, django_assert_num_queries):
    others = [make_member(f"m{i}") for i in range(6)]
    for i in range(30):
        start(member, others[i % 6], others[(i + 1) % 6], subject=f"Subject {i}")
    client.force_login(member)
    # session, member, count of places, the member's groups (the menu asks if they moderate),
    # the page of places with their conversations, everyone in those conversations with names.
    with django_assert_num_queries(6):
        response = client.get(reverse("conversations:list"))
    assert response.content.decode().count('<li class="conversation') == 25


def test_a_long_conversation_shows_the_latest_page_at_a_fixed_cost(
    client, member, other_member, django_assert_num_queries
):
    conversation = start(member, other_member, body="The very first")
    for i in range(120):
        Message.objects.create(
            conversation=conversation, author=member, body=f"m{i}", body_html=f"<p>m{i}</p>"
        )
    client.force_login(other_member)
    # session, member, their place with the conversation, the people, blocks, the count of
    # messages, marking it read, the member's groups (the menu), the page of messages with
    # their authors.
    with django_assert_num_queries(9):
        response = client.get(detail_url(conversation))
    text = response.content.decode()
    assert "<p>m119</p>" in text and "The very first" not in text
    assert text.count('class="message-item') == 21  # 121 messages: the third page holds 21
    with django_assert_num_queries(9):
        first = client.get(detail_url(conversation), {"page": 1}).content.decode()
    assert "The very first" in first


def test_a_messages_link_opens_its_page_of_the_conversation(client, member, other_member):
    conversation = start(member, other_member, body="The very first")
    for i in range(60):
        Message.objects.create(
            conversation=conversation,
            author=member,
            body=f"m{i}",
            body_html=f"<p>m{i}</p>",
            created_at=timezone.now() + timedelta(seconds=i + 1),
        )
    first = conversation.messages.order_by("pk").first()
    last = conversation.messages.order_by("pk").last()
    client.force_login(other_member)
    response = client.get(reverse("conversations:message", args=[first.pk]))
    assert response.url == f"{detail_url(conversation)}?page=1#m{first.pk}"
    response = client.get(reverse("conversations:message", args=[last.pk]))
    assert response.url == f"{detail_url(conversation)}?page=2#m{last.pk}"


def test_only_superusers_see_the_log_of_moderators_readings(
    app, member, other_member, moderator, superuser
):
    conversation = start(member, other_member)
    message = conversation.messages.get()
    moderation.report_create(actor=other_member, target=message, reason=Report.Reason.ABUSE)
    app.get(reverse("conversations:message", args=[message.pk]), user=moderator)
    url = reverse("admin:conversations_moderatorview_changelist")
    assert app.get(url, user=moderator, expect_errors=True).status_code == 403
    page = app.get(url, user=superuser)
    assert f"private message #{message.pk} by @alice" in page.text
    assert "Shall we meet" not in page.text
