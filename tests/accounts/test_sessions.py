"""Sessions live in the shared cache, written through to the database (cached_db): every app
server sees them, and losing the cache logs nobody out."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse

from tests.test_settings import show_setting

pytestmark = pytest.mark.django_db


def test_the_site_keeps_sessions_in_the_cache_and_the_database():
    result = show_setting({}, "SESSION_ENGINE")
    assert result.stdout.strip() == "'django.contrib.sessions.backends.cached_db'"


def test_a_session_survives_the_cache_being_emptied(client, member, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as the site runs
    client.force_login(member)
    key = client.session.session_key
    assert cache.get(f"django.contrib.sessions.cached_db{key}") is not None  # read from the cache
    assert Session.objects.filter(session_key=key).exists()  # and written through
    cache.clear()
    page = client.get(reverse("accounts:profile-edit"))
    assert page.status_code == 200
    assert page.wsgi_request.user == member
