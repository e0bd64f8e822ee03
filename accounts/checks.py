"""System checks for what a deployment must say about itself.

The privacy notice names the site's operator (the controller of members' data) from
SITE_OPERATOR_NAME and SITE_OPERATOR_CONTACT. A site run without them tells its members nobody is
responsible for their data, so `manage.py check --deploy` warns until both are set.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def operator_named(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    missing = [
        name
        for name in ("SITE_OPERATOR_NAME", "SITE_OPERATOR_CONTACT")
        if not str(getattr(settings, name, "") or "").strip()
    ]
    if not missing:
        return []
    return [
        Warning(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: the "
            "privacy notice cannot say who runs this site or how to reach them.",
            hint="Set SITE_OPERATOR_NAME (the person or organisation responsible for members' "
            "data) and SITE_OPERATOR_CONTACT (an email or postal address) in the environment.",
            id="grassroots.W001",
        )
    ]
