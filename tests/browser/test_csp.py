"""The key pages work under the Content-Security-Policy in a real browser: anonymous, a member,
a moderator and staff load each one (and use the admin's scripts), and any console message
about the policy, or any securitypolicyviolation event, fails the test."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.models import MODERATORS_GROUP, User
from conversations import services as conversations
from forum import moderation
from forum.models import Report
from tests.browser.conftest import log_in
from tests.campaigns import factories as campaign_factories
from tests.conftest import PASSWORD, activate_totp, make_member
from tests.forum import factories

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Injected by Playwright before any page script (not subject to the page's policy).
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""
POLICY_WORDS = re.compile(r"Content[- ]Security[- ]Policy|Permissions[- ]Policy|Refused to", re.I)


class PolicyWatch:
    """Collects, on one page, every console message about a policy and every violation event."""

    def __init__(self, page):
        self.page = page
        self.messages: list[str] = []
        page.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))

    def _console(self, message):
        if POLICY_WORDS.search(message.text):
            self.messages.append(f"{message.type}: {message.text} ({self.page.url})")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (
            f"{path}: {response and response.status}"
        )
        assert "default-src 'none'" in response.headers["content-security-policy"]
        self.check()

    def check_closed(self) -> None:
        """For a popup that closed itself: what it logged before it went."""
        if not self.page.is_closed():
            self.page.wait_for_event("close")
        assert not self.messages, "\n".join(self.messages)

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__violations || []")
        problems = self.messages + [f"{v} ({self.page.url})" for v in violations]
        self.messages = []
        assert not problems, "\n".join(problems)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "tests.browser.media_urls"
    alice = make_member("alice", display_name="Alice Okafor")
    bob = make_member("bob", display_name="Bob Hughes")
    maya = make_member("maya", display_name="Maya Patel", is_staff=True)
    maya.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    EmailAddress.objects.create(user=root, email=root.email, verified=True, primary=True)

    post = factories.post(alice, title="Open the party's books")
    first = factories.comment(post, bob, body="Who audits the auditors?")
    factories.comment(post, alice, body="The members, at conference.", parent=first)  # notifies bob
    moderation.report_create(actor=bob, target=post, reason=Report.Reason.OFF_TOPIC)
    campaign = campaign_factories.campaign(
        alice,
        title="Save the Carnegie library",
        image=campaign_factories.upload(),
        image_alt="A red banner",
    )
    chat = conversations.conversation_start(
        actor=alice, recipients=[bob], subject="Drinks at conference?", body="Sunday?"
    )
    # Moderators and staff have two-factor on (the admin and moderator tools require it).
    secrets = {"maya": activate_totp(maya), "root": activate_totp(root)}
    return {"post": post, "campaign": campaign, "alice": alice, "chat": chat, "totp": secrets}


def test_anonymous_pages_raise_no_policy_violation(page, world):
    watch = PolicyWatch(page)
    for path in [
        "/",
        world["post"].get_absolute_url(),
        "/campaigns/",
        world["campaign"].get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/moderation/log/",
    ]:
        watch.visit(path)
    # The campaign's image (an upload, under MEDIA_URL) really showed.
    page.goto(world["campaign"].get_absolute_url())
    image = page.locator("img[src^='/media/']").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0
    watch.check()


def test_a_members_pages_raise_no_policy_violation(page, world):
    watch = PolicyWatch(page)
    log_in(page, "bob")
    watch.check()
    for path in [
        "/",
        world["post"].get_absolute_url(),
        world["campaign"].get_absolute_url(),
        "/p/new/",
        "/campaigns/new/",
        "/notifications/",
        "/account/profile/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/sessions/",
        "/accounts/2fa/totp/activate/",  # asks for the password again first
        "/messages/",
        "/messages/new/",
        world["chat"].get_absolute_url(),
    ]:
        watch.visit(path)
    # Answering a private message in the browser.
    page.goto(world["chat"].get_absolute_url())
    page.get_by_label("Your message").fill("Yes, **noon** by the bar.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message-item strong").last).to_have_text("noon")
    watch.check()
    # Writing a post: preview then publish, through the real form.
    page.goto("/p/new/")
    page.get_by_label("Section").select_option(label="Party finances")
    page.get_by_label("Title").fill("Publish the minutes")
    page.get_by_label("Body").fill("Every **meeting**, every member.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("meeting")
    watch.check()
    # A pending email change shows allauth's hidden form (style="" in allauth's own template).
    page.goto("/accounts/email/")
    page.get_by_label("Change to").fill("bob.new@example.org")
    page.get_by_role("button", name="Change Email").click()
    # allauth asks for the password again first, then makes the change.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Cancel Change")).to_be_visible()
    watch.check()


def test_an_organisers_pages_raise_no_policy_violation(page, world):
    watch = PolicyWatch(page)
    log_in(page, "alice")
    slug = world["campaign"].slug
    for path in [
        f"/campaigns/{slug}/dashboard/",  # the SVG chart
        f"/campaigns/{slug}/edit/",
        f"/campaigns/{slug}/updates/new/",
        f"/campaigns/{slug}/organisers/",
    ]:
        watch.visit(path)


def test_a_moderators_pages_raise_no_policy_violation(page, world):
    watch = PolicyWatch(page)
    log_in(page, "maya", totp_secret=world["totp"]["maya"])
    post = world["post"]
    for path in [
        "/moderation/reports/",
        f"/moderation/post/{post.pk}/",
        "/admin/",
        "/admin/forum/post/",
        f"/admin/forum/post/{post.pk}/change/",
        "/admin/forum/report/",
    ]:
        watch.visit(path)
    # An admin action with its reason page (the site's own admin template and script).
    page.goto("/admin/forum/post/")
    page.locator(f"input[name='_selected_action'][value='{post.pk}']").check()
    page.locator("select[name='action']").select_option("lock")
    page.get_by_role("button", name="Go").click()
    expect(page.locator("#action-reason-form")).to_be_visible()
    watch.check()


def test_the_admin_raises_no_policy_violation_for_staff(page, world):
    watch = PolicyWatch(page)
    log_in(page, "root", totp_secret=world["totp"]["root"])
    alice, campaign = world["alice"], world["campaign"]
    section = world["post"].section
    for path in [
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{alice.pk}/change/",
        "/admin/accounts/outboundemail/",  # a date hierarchy
        "/admin/campaigns/campaign/",
        f"/admin/campaigns/campaign/{campaign.pk}/change/",
        "/admin/forum/section/",  # an editable list
        "/admin/forum/section/add/",  # prepopulated slug (admin's prepopulate script)
        "/admin/forum/comment/",
        "/admin/forum/moderationaction/",  # no actions
        "/admin/auth/group/",
        "/admin/django_tasks_database/dbtaskresult/",
        f"/admin/forum/section/{section.pk}/delete/",
        f"/admin/forum/section/{section.pk}/history/",
        f"/admin/accounts/user/{alice.pk}/password/",
        "/admin/password_change/",
        "/admin/auth/group/add/?_popup=1",  # what the "+" beside a choice opens
    ]:
        watch.visit(path)
    # The admin's scripts at work: the slug filled in from the name, a date picker, inline rows.
    page.goto("/admin/forum/section/add/")
    page.locator("#id_name").press_sequentially("Local branches")  # keyup runs the script
    expect(page.locator("#id_slug")).to_have_value("local-branches")
    watch.check()
    page.goto(f"/admin/accounts/user/{alice.pk}/change/")
    rows = page.locator("#affiliations-group tr.dynamic-affiliations")
    before = rows.count()
    page.get_by_role("button", name="Add another Affiliation").click()
    expect(rows).to_have_count(before + 1)
    watch.check()
    # "+" beside the groups opens the add form in a popup; saving it runs the admin's popup
    # script, which puts the new group into the form below and closes the popup.
    with page.expect_popup() as opened:
        page.locator("#add_id_groups").click()
    popup = opened.value
    popup_watch = PolicyWatch(popup)
    popup.wait_for_load_state()
    popup.locator("#id_name").fill("Branch secretaries")
    popup.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#id_groups_to option", has_text="Branch secretaries")).to_have_count(1)
    popup_watch.check_closed()
    watch.check()
    # The two-box permission chooser (filter_horizontal) is built by the admin's script.
    page.goto("/admin/auth/group/add/")
    page.locator("#id_permissions_input").fill("view post")
    page.locator("#id_permissions_from option").first.dblclick()
    expect(page.locator("#id_permissions_to option")).to_have_count(1)
    watch.check()
