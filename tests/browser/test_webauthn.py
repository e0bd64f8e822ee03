"""A security key (WebAuthn), added and used through allauth's pages in a real browser, with
Chromium's virtual authenticator standing in for the key."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_member

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _virtual_key(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_a_member_adds_a_security_key_and_logs_in_with_it(new_page):
    from allauth.mfa.models import Authenticator

    member = make_member("keyholder", display_name="Kay Holder")
    page = new_page()
    _virtual_key(page)
    log_in(page, "keyholder")
    page.goto("/accounts/2fa/webauthn/add/")
    # allauth asks for the password again before an authenticator is added.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Blue key")
    page.get_by_role("button", name="Add").click()
    # The first key brings recovery codes with it: allauth shows them, saying the key was added.
    expect(page.get_by_text("Security key added.")).to_be_visible()
    key = Authenticator.objects.get(user=member, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Blue key"

    # Next time the key is asked for after the password, and the browser's key answers.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("keyholder")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("banner").locator(".current-user")).to_be_visible()
