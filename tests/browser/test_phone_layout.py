"""On a phone (375x740, an iPhone's CSS size): no page scrolls sideways, the logged-in header takes
at most two rows, the account menu opens without JavaScript, and unread notifications stand out."""

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from accounts.services import notification_send
from forum import moderation, services
from forum.models import Section
from tests.browser.conftest import log_in
from tests.conftest import make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 740}
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"
# How many rows the header's visible links and controls sit on: their vertical centres, grouped
# where they lie within 12px of each other.
HEADER_ROWS = """() => {
  const items = document.querySelectorAll(
    '.site-header .site-name, .site-header .main-nav a, .site-header .write-link,'
    + ' .site-header .account-menu > summary, .site-header .account-nav > ul a');
  const centres = [];
  for (const item of items) {
    const box = item.getBoundingClientRect();
    if (box.width && box.height) centres.push((box.top + box.bottom) / 2);
  }
  centres.sort((a, b) => a - b);
  return centres.filter((c, i) => i === 0 || c - centres[i - 1] > 12).length;
}"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def moderator():
    from django.contrib.auth.models import Group

    from accounts.models import MODERATORS_GROUP

    maya = make_member("maya", display_name="Maya Patel", is_staff=True)
    maya.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return maya


def account_menu(page):
    # On a phone the member's name is the account menu's summary.
    return page.locator(".account-menu > summary")


def header_height_limit(page) -> float:
    """Two rows of the header's text, plus its padding and the account menu's border."""
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    return 2 * line + 48


def test_sign_up_page_does_not_scroll_sideways_and_its_honeypot_has_a_label(phone):
    phone.goto("/accounts/signup/")
    scroll_width, inner_width = phone.evaluate(OVERFLOW)
    assert scroll_width <= inner_width
    honeypot = phone.locator("input[name=website]")
    assert honeypot.evaluate("el => [...el.labels].map(l => l.textContent.trim())") == [
        "Leave this field empty"
    ]
    box = phone.locator(".honeypot").bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1  # a clipped 1px box: nobody sees it
    assert phone.locator(".honeypot").get_attribute("aria-hidden") == "true"
    assert honeypot.get_attribute("tabindex") == "-1"
    # The privacy link opens the notice beside the form, which keeps what was typed.
    phone.get_by_label("Username").fill("rosa")
    with phone.context.expect_page() as notice:
        phone.locator("#signup-form").get_by_role("link", name="privacy notice").click()
    expect(notice.value.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(phone.get_by_label("Username")).to_have_value("rosa")


def test_moderator_header_fits_two_rows_and_its_menu_opens(phone):
    maya = moderator()
    notification_send(recipients=[maya], kind="moderation", message="Something happened")
    log_in(phone, "maya", logged_in=account_menu)
    phone.goto("/")
    assert phone.evaluate(HEADER_ROWS) <= 2
    height = phone.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")
    assert height <= header_height_limit(phone)
    assert phone.evaluate(OVERFLOW)[0] <= PHONE["width"]
    # The closed menu still shows the unread count; opening it shows every account link.
    summary = phone.locator(".account-menu > summary")
    expect(summary).to_contain_text("Maya Patel")
    expect(summary.locator(".count")).to_contain_text("1")
    menu = phone.get_by_role("navigation", name="Account")
    expect(menu.get_by_role("link", name="Settings")).to_be_hidden()
    summary.click()
    for name in ["Maya Patel", "Notifications", "Settings", "Reports", "Admin"]:
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    menu.get_by_role("button", name="Log out").click()
    expect(phone.get_by_role("link", name="Log in", exact=True)).to_be_visible()


def test_moderation_log_with_long_reasons_does_not_scroll_sideways(phone):
    maya = moderator()
    bob = make_member("bob", display_name="Bob Hughes")
    post = services.post_create(
        actor=bob,
        section=Section.objects.get(slug="party-finances"),
        title="Open the books",
        body="Every line.",
        publish=True,
    )
    for i in range(3):
        comment = services.comment_create(post=post, actor=bob, body=f"Comment {i}")
        moderation.content_remove(
            actor=maya,
            target=comment,
            reason="Shares a member's home address and phone number, after two warnings, "
            "in a thread about branch finances " + "https://example.org/" + "a" * 120,
        )
    log_in(phone, "maya", logged_in=account_menu)
    phone.goto("/moderation/log/")
    expect(phone.get_by_text("Removed").first).to_be_visible()
    scroll_width, inner_width = phone.evaluate(OVERFLOW)
    assert scroll_width <= inner_width
    assert phone.evaluate(HEADER_ROWS) <= 2


def test_unread_notifications_look_different_from_read_ones(phone):
    alice = make_member("alice", display_name="Alice Okafor")
    notification_send(recipients=[alice], kind="moderation", message="Old news")
    Notification.objects.update(read_at="2026-01-01T00:00:00Z")
    notification_send(recipients=[alice], kind="moderation", message="Fresh news")
    log_in(phone, "alice", logged_in=account_menu)
    phone.goto("/notifications/")
    unread = phone.locator(".notification", has_text="Fresh news")
    read = phone.locator(".notification", has_text="Old news")
    expect(unread.locator(".new-label")).to_have_text("New")
    expect(unread.locator(".new-label")).to_be_visible()
    expect(read.locator(".new-label")).to_have_count(0)

    def looks(item):
        return item.evaluate(
            "el => [getComputedStyle(el).fontWeight, getComputedStyle(el).borderLeftColor]"
        )

    assert looks(unread) != looks(read)
    assert looks(unread)[0] != looks(read)[0]  # not by colour alone: bold as well


def test_conversations_with_long_names_and_links_do_not_scroll_sideways(phone):
    from conversations import services as conversations

    alice = make_member("alice", display_name="Alice Okafor-Long-Surname-Of-The-Branch")
    others = [
        make_member(f"member{i}", display_name=f"Member Number {i} Of Many") for i in range(5)
    ]
    chat = conversations.conversation_start(
        actor=alice,
        recipients=others,
        subject="A subject that goes on and on about the finance motion " * 2,
        body="The link: https://example.org/" + "a" * 150,
    )
    log_in(phone, "member0", logged_in=account_menu)
    for path in ("/messages/", chat.get_absolute_url(), "/messages/new/"):
        phone.goto(path)
        expect(phone.locator("h1")).to_be_visible()
        scroll_width, inner_width = phone.evaluate(OVERFLOW)
        assert scroll_width <= inner_width, path


def test_search_on_a_phone_is_a_link_in_the_main_row_to_the_search_page(phone):
    bob = make_member("bob", display_name="Bob Hughes")
    services.post_create(
        actor=bob,
        section=Section.objects.get(slug="party-finances"),
        title="Who audits the treasurer?",
        body="Every line.",
        publish=True,
    )
    phone.goto("/")
    expect(phone.locator("#header-search")).to_be_hidden()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    phone.get_by_label("Search for").fill("treasurer")
    phone.locator("#search-form").get_by_role("button", name="Search").click()
    expect(phone.locator(".search-result mark")).to_have_text("treasurer")
    assert phone.evaluate(OVERFLOW)[0] <= PHONE["width"]


def test_privacy_notice_does_not_scroll_sideways_even_with_a_long_contact(phone, settings):
    settings.SITE_OPERATOR_NAME = "The Very Long Named Branch Members' Association of Somewhere"
    settings.SITE_OPERATOR_CONTACT = "data-protection-requests.and.questions@members.example.org"
    phone.goto("/privacy/#retention")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(phone.locator(".operator-contact")).to_have_text(settings.SITE_OPERATOR_CONTACT)
    scroll_width, inner_width = phone.evaluate(OVERFLOW)
    assert scroll_width <= inner_width


def test_a_big_thread_its_branch_page_and_a_deep_permalink_fit_a_phone(phone, settings):
    """A logged-in member reads a thread too big for one page: its page, the "N more replies"
    branch page it links to, and a comment ten levels down, none scrolling sideways."""
    settings.THREAD_PAGE_COMMENTS = 20
    alice = make_member("alice", display_name="Alice Okafor-Long-Surname-Of-The-Branch")
    bob = make_member("bob", display_name="Bob Hughes")
    post = services.post_create(
        actor=alice,
        section=Section.objects.get(slug="party-finances"),
        title="Who audits the auditors?",
        body="Every line.",
        publish=True,
    )
    root = services.comment_create(post=post, actor=bob, body="The members, at conference.")
    for i in range(25):
        reply = services.comment_create(
            post=post,
            actor=alice if i % 2 else bob,
            body=f"Reply {i}: " + "word " * 30,
            parent=root,
        )
        if i == 0:
            parent = reply
            for depth in range(12):  # a deep chain under the first reply
                parent = services.comment_create(
                    post=post,
                    actor=bob if depth % 2 else alice,
                    body=f"Deeper {depth}",
                    parent=parent,
                )
    log_in(phone, "alice", logged_in=account_menu)
    phone.goto(post.get_absolute_url())
    more = phone.locator("a.more-replies").first
    expect(more).to_be_visible()
    expect(phone.get_by_role("button", name="Up-vote").first).to_be_visible()
    for _ in range(2):
        scroll_width, inner_width = phone.evaluate(OVERFLOW)
        assert scroll_width <= inner_width, phone.url
        if "after=" in phone.url:
            break
        more.click()
        expect(phone.locator("h1")).to_be_attached()
    assert "after=" in phone.url
    phone.goto(parent.get_absolute_url())
    expect(phone.get_by_text("Deeper 11")).to_be_visible()
    scroll_width, inner_width = phone.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, phone.url
