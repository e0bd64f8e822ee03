from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from .models import Affiliation, Delivery, User, Visibility
from .preferences import CATEGORIES
from .validators import USERNAME_RULE


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form adds to its own (ACCOUNT_SIGNUP_FORM_CLASS)."""

    # allauth's SignupForm inherits from this class and honours field_order.
    field_order = ["username", "email", "password1", "password2", "accept_privacy"]

    accept_privacy = forms.BooleanField(
        required=True,
        label="I have read the privacy notice and agree to my account data being processed as it says.",
        error_messages={"required": "You need to accept the privacy notice to join."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "username" in self.fields:  # declared by allauth's sign-up form, our subclass
            self.fields[
                "username"
            ].help_text = (
                f"Shown on your profile and beside what you write, as @name. {USERNAME_RULE}"
            )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.privacy_accepted_at = timezone.now()
        user.save(update_fields=["privacy_accepted_at"])


CONSENT_HELP = (
    "Sharing this tells others about your political opinions or trade-union membership, which UK law "
    "treats as special-category data. It is optional; you can change who sees it or remove it at any time."
)


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=60, required=False)
    bio = forms.CharField(max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One name / visibility / consent triple per affiliation kind.
        for kind, label in Affiliation.Kind.choices:
            self.fields[f"{kind}_name"] = forms.CharField(
                max_length=120, required=False, label=label
            )
            self.fields[f"{kind}_visibility"] = forms.ChoiceField(
                choices=Visibility.choices,
                initial=Visibility.MEMBERS,
                label=f"Who can see your {label.lower()}",
            )
            self.fields[f"{kind}_consent"] = forms.BooleanField(
                required=False,
                label=f"I choose to share my {label.lower()} on my profile.",
                help_text=CONSENT_HELP,
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for kind, label in Affiliation.Kind.choices:
            if cleaned.get(f"{kind}_name") and not cleaned.get(f"{kind}_consent"):
                self.add_error(
                    f"{kind}_consent",
                    f"Tick the box to confirm you want to share your {label.lower()}, "
                    "or leave the name empty.",
                )
        return cleaned

    def affiliations(self) -> dict[str, tuple[str, str] | None]:
        """{kind: (name, visibility)} for the kinds the member shares, None for the ones they don't."""
        result: dict[str, tuple[str, str] | None] = {}
        for kind, _label in Affiliation.Kind.choices:
            name = self.cleaned_data.get(f"{kind}_name", "").strip()
            result[kind] = (name, self.cleaned_data[f"{kind}_visibility"]) if name else None
        return result

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        initial: dict[str, Any] = {"display_name": user.display_name, "bio": user.bio}
        for affiliation in user.affiliations.all():
            initial[f"{affiliation.kind}_name"] = affiliation.name
            initial[f"{affiliation.kind}_visibility"] = affiliation.visibility
            initial[f"{affiliation.kind}_consent"] = True
        return initial


class NotificationSettingsForm(forms.Form):
    """One choice per category of notification (accounts.preferences.CATEGORIES)."""

    def __init__(self, *args: Any, current: dict[str, Delivery], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, category in CATEGORIES.items():
            self.fields[name] = forms.ChoiceField(
                label=category.label,
                choices=[(d.value, d.label) for d in category.choices],
                initial=current[name].value,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how you hear about these."},
            )

    def choices(self) -> dict[str, Delivery]:
        return {name: Delivery(value) for name, value in self.cleaned_data.items()}


class AccountDeleteForm(forms.Form):
    erase_content = forms.BooleanField(
        required=False,
        label="Also erase the text of my posts, comments and messages",
        help_text="They stay in place as “deleted” so replies to them keep their place, but what "
        "you wrote, and its earlier versions, is gone.",
    )
    confirm = forms.BooleanField(
        required=True,
        label="I understand that deleting my account is permanent and cannot be undone",
        error_messages={"required": "Tick this box to confirm that you want your account deleted."},
    )
