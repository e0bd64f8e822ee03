import logging
import unicodedata
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.sites.shortcuts import get_current_site

from .queueing import enqueue_logged
from .tasks import email_message_send, message_from_json, message_to_json
from .validators import USERNAME_UNAVAILABLE, validate_username_available

log = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter (ACCOUNT_ADAPTER), with usernames that can't pass for someone else's."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message for taken, reserved and look-alike names: which one it was helps no one.
        "username_taken": USERNAME_UNAVAILABLE,
        "username_blacklisted": USERNAME_UNAVAILABLE,
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # NFKC first, as Django's own forms do: rosa typed in full-width letters (an East Asian
        # keyboard's wide mode) becomes plain rosa, and a full-width maya is maya's. What comes
        # back is what is stored.
        username = unicodedata.normalize("NFKC", username)
        # allauth's checks: the model field's validators (ASCII only), the reserved list
        # (ACCOUNT_USERNAME_BLACKLIST, exact), an existing member's name in any case.
        username = super().clean_username(username, shallow=shallow)
        if not shallow:
            # Then by skeleton: `maya_`, `rnaya`, `Maya.` and `adm1n` look like maya and admin.
            validate_username_available(username)
        return username

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's emails (address confirmation, password reset...) are rendered here, in the
        request, and sent by the worker (accounts.tasks.email_message_send), retried when the
        mail server fails.

        Enqueued at once: allauth sends them in autocommit, after the rows they are about are
        saved (tests/accounts/test_email_outside_transactions.py checks each flow), so no worker
        can run one for a sign-up that is then rolled back. If the task can't be enqueued (Redis
        is down) the email is sent from the request instead, as Django would: the member is
        waiting for it, and nothing would enqueue it later."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = message_to_json(self.render_mail(template_prefix, email, ctx))
        if enqueue_logged(email_message_send, message) is not None:
            return
        try:
            message_from_json(message).send()
        except Exception:  # the mail server too: the member can ask again; a 500 helps no one
            log.exception("Sending an email from the request failed as well; it is not sent")
        else:
            log.warning("An email the worker could not be given was sent from the request")


class MFAAdapter(DefaultMFAAdapter):
    """allauth.mfa's adapter (MFA_ADAPTER). The TOTP set-up page shows its QR code as inline SVG
    (templates/mfa/totp/activate_form.html): allauth's own page puts it in a data: URL, which the
    Content-Security-Policy's img-src refuses. Inline, the XML declaration has no place."""

    def build_totp_svg(self, url: str) -> str:
        svg = str(super().build_totp_svg(url))
        return svg[svg.index("<svg") :]
