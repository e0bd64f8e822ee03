"""The site's settings with tests/error_report_urls.py's failing URL (tests/test_error_reports.py)."""

from grassroots.settings import *  # noqa: F403

ROOT_URLCONF = "tests.error_report_urls"
