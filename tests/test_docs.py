"""Every environment variable the settings and gunicorn.conf.py read is documented: in the README's
Configuration table (default and meaning) and in docs/deploy.md (what a deployment sets)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(
    r"""(?:env_(?:bool|int|list|float)|environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables() -> set[str]:
    names: set[str] = set()
    for source in ("grassroots/settings.py", "gunicorn.conf.py"):
        names |= set(READ.findall((ROOT / source).read_text()))
    return names


def test_the_settings_read_variables_at_all():
    # The pattern must keep finding them, or the tests below would pass on nothing.
    assert {"DEBUG", "SECRET_KEY", "REDIS_URL", "GUNICORN_BIND", "TASKS_BACKEND"} <= variables()


@pytest.mark.parametrize("document", ["README.md", "docs/deploy.md"])
def test_every_variable_is_documented(document):
    text = (ROOT / document).read_text()
    missing = sorted(name for name in variables() if f"`{name}`" not in text)
    assert not missing, f"{document} does not mention {missing}"
