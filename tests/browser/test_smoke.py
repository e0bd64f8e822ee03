import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_sign_up_verify_and_see_name_in_header(page, mailoutbox):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grassroots")
    expect(page.get_by_text("A members' forum")).to_be_visible()

    page.get_by_role("link", name="Join").first.click()
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password:", exact=True).fill("a-long-Pass-phrase-42")
    page.get_by_label("Password (again):").fill("a-long-Pass-phrase-42")
    page.get_by_label(re.compile("privacy notice")).check()
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify Your Email Address")

    assert len(mailoutbox) == 1
    found = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body)
    assert found is not None
    link = found.group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    header = page.get_by_role("banner")
    expect(header.locator(".current-user")).to_have_text("rosa")
    expect(header.get_by_role("button", name="Log out")).to_be_visible()
