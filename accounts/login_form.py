# Separate from accounts.forms: allauth's forms module imports ACCOUNT_SIGNUP_FORM_CLASS from there,
# so importing allauth's forms in that module would be circular.
from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"
        self.fields["login"].widget.attrs["placeholder"] = ""
