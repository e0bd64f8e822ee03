from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models.functions import Lower

from accounts.models import User

from .models import CONVERSATION_MAX_PEOPLE, Conversation, Message

MARKDOWN_HELP = "Markdown: **bold**, *italic*, [links](https://…), lists, > quotes, `code`."
_NAMES = re.compile(r"[\s,;]+")


def _body_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=Message.BODY_MAX,
        strip=False,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Write something before you send it."},
    )


def _not_blank(body: str) -> str:
    if not body.strip():
        raise forms.ValidationError("Write something before you send it.")
    return body


class ConversationForm(forms.Form):
    to = forms.CharField(
        label="To",
        max_length=400,
        help_text=(
            f"Usernames, separated by commas or spaces: up to {CONVERSATION_MAX_PEOPLE - 1} people."
        ),
        error_messages={"required": "Say who the message is for: their @username."},
    )
    subject = forms.CharField(
        label="Subject",
        max_length=Conversation.SUBJECT_MAX,
        error_messages={"required": "Give the conversation a subject."},
    )
    body = _body_field("Message")

    def clean_to(self) -> list[User]:
        names = [name.lstrip("@") for name in _NAMES.split(self.cleaned_data["to"]) if name]
        wanted = list(dict.fromkeys(name.lower() for name in names if name))
        if not wanted:
            raise forms.ValidationError("Say who the message is for: their @username.")
        if len(wanted) > CONVERSATION_MAX_PEOPLE - 1:
            raise forms.ValidationError(
                f"A conversation can have at most {CONVERSATION_MAX_PEOPLE} people, you included."
            )
        found = {
            member.username.lower(): member
            for member in User.objects.annotate(lower=Lower("username")).filter(
                lower__in=wanted, is_active=True
            )
        }
        if missing := [name for name in wanted if name not in found]:
            listed = ", ".join(f"@{name}" for name in missing)
            raise forms.ValidationError(f"No member is called {listed}.")
        return [found[name] for name in wanted]

    def clean_body(self) -> str:
        return _not_blank(self.cleaned_data["body"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class MessageForm(forms.Form):
    body = _body_field("Your message")

    def clean_body(self) -> str:
        return _not_blank(self.cleaned_data["body"])
