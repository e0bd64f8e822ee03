from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from forum.models import Section

from . import images
from .models import (
    CONTACT_CONSENT,
    SUPPORT_CONSENT,
    WORDING_CHANGED,
    Campaign,
    CampaignUpdate,
    ConsentText,
    NameVisibility,
    Support,
)

if TYPE_CHECKING:
    from accounts.models import User

MARKDOWN_HELP = "Markdown: **bold**, *italic*, [links](https://…), lists, > quotes."


def _not_blank(message: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if not value.strip():
            raise forms.ValidationError(message)

    return check


def _mutable_copy(data: Mapping[str, Any]) -> MultiValueDict[str, Any] | dict[str, Any]:
    """A copy of a bound form's data to change before it is shown again: a QueryDict (the
    request's POST) or MultiValueDict copies as itself, keeping every value of a key."""
    return data.copy() if isinstance(data, MultiValueDict) else dict(data)


class CampaignForm(forms.Form):
    """Create or edit a campaign. `campaign` is the one being edited (None when creating)."""

    title = forms.CharField(
        max_length=Campaign.TITLE_MAX, error_messages={"required": "Give the campaign a title."}
    )
    summary = forms.CharField(
        max_length=Campaign.SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or two sentences: shown in lists and when the page is shared.",
        error_messages={"required": "Sum the campaign up in a sentence or two."},
    )
    target = forms.CharField(
        label="Who decides",
        max_length=Campaign.TARGET_MAX,
        help_text="The person or body that can say yes: “The NEC”, “Leeds City Council”.",
        error_messages={"required": "Say who the campaign asks."},
    )
    ask = forms.CharField(
        label="What we ask",
        max_length=Campaign.ASK_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what the campaign asks for."},
    )
    body = forms.CharField(
        label="Why it matters",
        max_length=Campaign.BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
        validators=[_not_blank("Make the case: why should members support this?")],
        error_messages={"required": "Make the case: why should members support this?"},
    )
    goal = forms.IntegerField(
        label="Goal (supporters)",
        min_value=1,
        max_value=Campaign.GOAL_MAX,
        error_messages={
            "required": "Set a goal: how many supporters are you aiming for?",
            "min_value": "The goal must be at least 1 supporter.",
            "invalid": "The goal is a whole number of supporters.",
        },
    )
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="When the decision is due, if there is a date.",
        error_messages={"invalid": "Enter the deadline as a date, e.g. 2026-12-31."},
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        empty_label=None,
        help_text="The campaign's discussion goes in this forum section.",
    )
    image = forms.FileField(
        required=False,
        widget=forms.FileInput(attrs={"accept": images.ACCEPT}),
        help_text=(
            f"JPEG, PNG, WebP or GIF, up to {images.MAX_BYTES // 1_048_576} MB, "
            f"{images.MAX_SIDE} pixels a side and {images.MAX_PIXELS // 1_000_000} million "
            "pixels. Shown on the page and when it is shared (1200 x 630 works best). An "
            "animation shows as its first frame. Location and camera data are removed."
        ),
    )
    # The image checked on an earlier submit of this form (a preview, or an error elsewhere):
    # browsers never refill a file input, so the form carries a signed token naming it instead.
    pending_image = forms.CharField(widget=forms.HiddenInput, required=False)
    drop_pending_image = forms.BooleanField(required=False, label="Don't use this image")
    remove_image = forms.BooleanField(required=False, label="Remove the current image")
    image_alt = forms.CharField(
        label="Image description",
        max_length=250,
        required=False,
        help_text="What the image shows, for people who can't see it. Needed with an image.",
    )
    change_note = forms.CharField(
        label="What changed, and why",
        max_length=300,
        required=False,
        help_text=(
            "Needed when you change who, what or why after people have signed: it is shown on "
            "the page and sent to every supporter, who can withdraw."
        ),
    )

    def __init__(
        self,
        *args: Any,
        campaign: Campaign | None = None,
        user: User | None = None,
        **kwargs: Any,
    ) -> None:
        self.campaign = campaign
        self.user = user  # whose kept image a token may name
        self.pending: images.PendingImage | None = None
        self._pending_used = False
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(campaign, name)
                for name in (
                    "title",
                    "summary",
                    "target",
                    "ask",
                    "body",
                    "goal",
                    "deadline",
                    "section",
                    "image_alt",
                )
            }
        super().__init__(*args, **kwargs)
        if campaign is None or not campaign.image:
            del self.fields["remove_image"]
        if campaign is None or campaign.is_draft:
            del self.fields["change_note"]  # a draft has no supporters to tell

    def clean_deadline(self) -> date | None:
        deadline: date | None = self.cleaned_data["deadline"]
        unchanged = self.campaign is not None and deadline == self.campaign.deadline
        if deadline and deadline < timezone.localdate() and not unchanged:
            raise forms.ValidationError("The deadline can't be in the past.")
        return deadline

    def clean_image(self) -> ContentFile[bytes] | None:
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        return images.clean_image(upload)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        self._use_pending_image(data)
        keeps_image = (
            self.campaign is not None and bool(self.campaign.image) and not data.get("remove_image")
        )
        has_image = bool(data.get("image")) or keeps_image
        if has_image and not data.get("image_alt", "").strip() and "image" not in self.errors:
            self.add_error("image_alt", "Describe the image for people who can't see it.")
        return data

    def _use_pending_image(self, data: dict[str, Any]) -> None:
        """With no new image chosen, the one kept from before is this submission's image. A token
        signed for another member, or too old, names nothing."""
        token = data.get("pending_image") or ""
        if token and self.user is not None:
            self.pending = images.pending_find(token, user=self.user)
        if data.get("image") or "image" in self.errors or data.get("drop_pending_image"):
            return
        kept = images.pending_open(self.pending) if self.pending else None
        if kept is not None:
            data["image"], self._pending_used = kept, True
        elif token:
            self.pending = None
            self.add_error("image", images.PENDING_LOST)

    def keep_image(self) -> None:
        """The form is coming back to the member (a preview, or an error): keep a newly checked
        image, so it needn't be chosen again; let go of a kept one replaced or dropped."""
        data = getattr(self, "cleaned_data", {})
        fresh = None if self._pending_used else data.get("image")
        if self.pending is not None and (fresh is not None or data.get("drop_pending_image")):
            images.pending_discard(self.pending)
            self.pending = None
        # (A form without a member keeps no image, as it finds none: _use_pending_image.)
        if fresh is not None and self.user is not None:
            self.pending = images.pending_keep(fresh, user=self.user)
            self._pending_used = True
        data = _mutable_copy(self.data)
        data["pending_image"] = self.pending.token if self.pending else ""
        data.pop("drop_pending_image", None)
        self.data = data

    def forget_pending_image(self) -> None:
        """After a save the kept file is no longer needed (the campaign has its own copy)."""
        if self.pending is not None:
            images.pending_discard(self.pending)
            self.pending = None


def _version_field() -> forms.CharField:
    return forms.CharField(widget=forms.HiddenInput, required=False)


class _ConsentForm(forms.Form):
    """Each consent box goes with a hidden input: the version of the wording printed beside it.

    A page opened before the wording changed sends back the old version; the member is asked to
    read the new wording, which the form now shows with that box unticked (their other choices
    kept), instead of consenting to a text they never saw.
    """

    def __init__(self, *args: Any, wordings: dict[str, ConsentText], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wordings = wordings  # box name -> the wording it must have been shown with
        for box, wording in wordings.items():
            self.fields[box].label = wording.text
            self.fields[f"{box}_consent_version"].initial = wording.version

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        stale = [
            box
            for box, wording in self.wordings.items()
            if data.get(box) and data.get(f"{box}_consent_version") != wording.version
        ]
        if stale:
            shown = _mutable_copy(self.data)
            for box, wording in self.wordings.items():
                shown[f"{box}_consent_version"] = wording.version
            for box in stale:
                shown.pop(box, None)
            self.data = shown
            raise forms.ValidationError(WORDING_CHANGED, code="wording_changed")
        return data


class SupportForm(_ConsentForm):
    """The two consents are separate boxes, both unticked, with their own wording."""

    support = forms.BooleanField(
        error_messages={"required": "Tick the first box to add your support."},
    )
    support_consent_version = _version_field()
    contact = forms.BooleanField(required=False)
    contact_consent_version = _version_field()
    # Privacy by default: counted but not named, unless the member chooses to be seen.
    name_visibility = forms.ChoiceField(
        label="How your name shows",
        choices=NameVisibility.choices,
        initial=NameVisibility.HIDDEN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        wordings = {"support": SUPPORT_CONSENT, "contact": CONTACT_CONSENT}
        super().__init__(*args, wordings=wordings, **kwargs)


class SupportChoicesForm(_ConsentForm):
    """A supporter's later changes to the optional choices. A contact consent already given is
    shown with the wording it was given to; a new one needs the current wording."""

    contact = forms.BooleanField(required=False)
    contact_consent_version = _version_field()
    name_visibility = forms.ChoiceField(
        label="How your name shows", choices=NameVisibility.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, support: Support, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"contact": support.contact_ok, "name_visibility": support.name_visibility}
        )
        wording = support.contact_wording or CONTACT_CONSENT
        super().__init__(*args, wordings={"contact": wording}, **kwargs)


class UpdateForm(forms.Form):
    title = forms.CharField(
        max_length=CampaignUpdate.TITLE_MAX,
        validators=[_not_blank("Give the update a title.")],
        error_messages={"required": "Give the update a title."},
    )
    body = forms.CharField(
        max_length=CampaignUpdate.BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=MARKDOWN_HELP,
        validators=[_not_blank("Write the update before you send it.")],
        error_messages={"required": "Write the update before you send it."},
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did it end?",
        choices=Campaign.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the campaign was won, lost or withdrawn."},
    )
    story = forms.CharField(
        label="The closing story",
        max_length=Campaign.STORY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What happened, and thanks. Sent to every supporter. " + MARKDOWN_HELP,
        validators=[_not_blank("Tell supporters what happened.")],
        error_messages={"required": "Tell supporters what happened."},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen it?",
        max_length=300,
        help_text="Shown in the public moderation log and to the organisers.",
        error_messages={
            "required": "Give a reason: it is shown in the moderation log and to the member."
        },
    )


class OrganiserForm(forms.Form):
    username = forms.CharField(
        label="Username of the member to add",
        max_length=150,
        error_messages={"required": "Enter a member's username."},
    )
