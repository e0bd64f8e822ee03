"""Every response carries a strict Content-Security-Policy, Permissions-Policy, Referrer-Policy and
Cross-Origin-Opener-Policy. Nothing in the templates needs 'unsafe-inline': no inline scripts
or styles without the nonce, and no style="" attributes. (The browser test in
tests/browser/test_csp.py loads the pages in Chromium and fails on any violation.)"""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.middleware import DENIED_FEATURES

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


def test_pages_get_the_strict_policy(client, member):
    client.force_login(member)
    csp = policy(client.get(reverse("forum:home")))
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no nonce: this page has no inline script
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'"]  # uploads (MEDIA_URL) are on our own origin
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    header = client.get(reverse("forum:home"))["Content-Security-Policy"]
    assert "unsafe" not in header
    assert "data:" not in header


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/healthz", "/admin/login/", "/no-such-page/"]
)
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert permissions.count("=()") == len(DENIED_FEATURES)


def test_the_admin_gets_the_same_policy(admin_client):
    # No exemption and no looser policy for the admin: its scripts and styles are files.
    for name in ["admin:index", "admin:forum_post_changelist", "admin:accounts_user_add"]:
        response = admin_client.get(reverse(name))
        assert response.status_code == 200
        csp = policy(response)
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]


def test_a_malformed_request_gets_the_policy_too(client):
    response = client.get("/members/%00/")
    assert response.status_code == 400
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_page_that_uses_the_nonce_gets_it_in_the_header(rf):
    # How a template adds an inline script: <script nonce="{{ request.csp_nonce }}">. The nonce
    # goes into script-src and style-src for that response only.
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">let x = 1;</script>'
    )

    def view(request):
        return HttpResponse(template.render({}, request))

    request = rf.get("/")
    response = CSPMiddleware(view)(request)
    assert isinstance(response, HttpResponse)
    [nonce] = re.findall(r'nonce="([^"]+)"', response.content.decode())
    csp = policy(response)
    assert f"'nonce-{nonce}'" in csp["script-src"]
    assert f"'nonce-{nonce}'" in csp["style-src"]


def templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html"))


def markup(path: Path) -> str:
    """The template without its comments (which may quote what they avoid)."""
    text = re.sub(r"{% comment %}.*?{% endcomment %}", "", path.read_text(), flags=re.S)
    return re.sub(r"{#.*?#}", "", text)


# Emails are not pages: no CSP applies, and mail clients honour little but inline styles.
EMAIL_TEMPLATES = ROOT / "templates" / "accounts" / "email"


def test_templates_have_no_inline_style_attributes_or_handlers():
    assert templates(), "no templates found"
    for path in templates():
        text = markup(path)
        where = path.relative_to(ROOT)
        if EMAIL_TEMPLATES not in path.parents:
            assert not re.search(r"\sstyle\s*=", text, re.I), f"{where}: style= attribute"
        assert not re.search(r"\son[a-z]+\s*=", text, re.I), f"{where}: inline event handler"
        assert "javascript:" not in text.lower(), f"{where}: javascript: URL"


def test_inline_scripts_and_styles_in_templates_carry_the_nonce():
    for path in templates():
        text = markup(path)
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text, re.I):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            assert "request.csp_nonce" in tag, f"{path.relative_to(ROOT)}: {tag} has no nonce"


def test_no_admin_renders_the_changelists_inline_style():
    # Django's change_list.html adds an inline <style> (which the policy would block) only when
    # a ModelAdmin turns its actions off at both the top and the bottom.
    for model, model_admin in admin.site._registry.items():
        assert model_admin.actions_on_top or model_admin.actions_on_bottom, model.__name__
