from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone

from .models import Report, Section


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Pick the reason closest to the problem."},
    )
    detail = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything moderators should know",
        help_text="Only moderators see your report. The member you report never learns who reported.",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("reason") == Report.Reason.OTHER and not cleaned.get("detail", "").strip():
            self.add_error("detail", "Tell the moderators what is wrong.")
        return cleaned


# What the in-page controls offer, in short labels (moving needs a section: the full page only).
COMMENT_ACTIONS = [("remove", "Remove"), ("restore", "Restore"), ("dismiss", "Dismiss reports")]
POST_ACTIONS = [
    *COMMENT_ACTIONS,
    ("lock", "Lock"),
    ("unlock", "Unlock"),
    ("promote", "Promote"),
    ("unpromote", "Unpromote"),
]

# What the full moderation page offers for each kind: every kind can be removed, restored and
# have its reports dismissed; only posts have a discussion to lock, a front page and a section.
CONTENT_ACTIONS = [
    ("remove", "Remove"),
    ("restore", "Restore"),
    ("dismiss", "Dismiss the reports (no rule broken)"),
]
POST_ONLY_ACTIONS = [
    ("lock", "Lock the discussion"),
    ("unlock", "Unlock the discussion"),
    ("promote", "Promote to the front page"),
    ("unpromote", "Take off the front page"),
    ("move", "Move to another section"),
]


def actions_for(kind: str) -> list[tuple[str, str]]:
    return [*CONTENT_ACTIONS, *POST_ONLY_ACTIONS] if kind == "post" else CONTENT_ACTIONS


class ModerationForm(forms.Form):
    """One moderator action on a post, comment or campaign, with its reason.

    The choices depend on the kind, so the page offers only what applies and the server refuses
    the rest. Nothing is pre-selected: the moderator chooses the action on purpose.
    """

    action = forms.ChoiceField(widget=forms.RadioSelect, label="Action")
    reason = forms.CharField(
        max_length=300,
        help_text="Shown in the public moderation log and to the member.",
        error_messages={"required": "Give a reason: it is shown in the log and to the member."},
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        required=False,
        label="Move to section",
        help_text="Only for “Move to another section”.",
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        # cast: `fields` is typed as holding any Field; "action" is the ChoiceField declared above.
        action = cast(forms.ChoiceField, self.fields["action"])
        action.choices = actions_for(kind)
        action.error_messages = {
            "required": "Choose an action.",
            "invalid_choice": (
                "That action applies to posts only."
                if kind != "post" and self.data.get("action") in dict(POST_ONLY_ACTIONS)
                else "Choose one of the actions offered."
            ),
        }
        if kind != "post":
            del self.fields["section"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # Only when the field has no error of its own, so the member isn't told twice.
        if (
            cleaned.get("action") == "move"
            and not cleaned.get("section")
            and "section" not in self.errors
        ):
            self.add_error("section", "Choose the section to move it to.")
        return cleaned


class MemberModerationForm(forms.Form):
    # Radio buttons, none pre-selected: a suspension or a ban is chosen on purpose.
    action = forms.ChoiceField(
        choices=[
            ("suspend", "Suspend"),
            ("unsuspend", "Lift the suspension"),
            ("ban", "Ban (no log-in)"),
            ("unban", "Lift the ban"),
        ],
        widget=forms.RadioSelect,
        label="Action",
        error_messages={
            "required": "Choose an action.",
            "invalid_choice": "Choose one of the actions offered.",
        },
    )
    until_date = forms.DateField(
        required=False,
        label="Suspend until",
        help_text="They can post again from the start of this day.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        label="…or suspend for (days)",
        help_text="Used when no date is given.",
    )
    reason = forms.CharField(
        max_length=300,
        help_text="The member sees this reason.",
        error_messages={"required": "Give a reason: the member sees it."},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("action") != "suspend" or self.errors.keys() & {"days", "until_date"}:
            return cleaned
        until_date = cleaned.get("until_date")
        if until_date is None and not cleaned.get("days"):
            self.add_error("until_date", "Choose the day the suspension ends, or a number of days.")
        elif until_date is not None and until_date <= timezone.localdate():
            self.add_error("until_date", "Choose a day after today.")
        return cleaned

    def until(self) -> datetime:
        if until_date := self.cleaned_data.get("until_date"):
            return timezone.make_aware(datetime.combine(until_date, time.min))
        days: int = self.cleaned_data["days"]
        return timezone.now() + timedelta(days=days)
