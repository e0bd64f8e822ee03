from typing import Any, cast

from django import forms

from accounts.models import User

from .models import Comment, Post, Section
from .search import QUERY_MAX, Filters, kinds_choices


class PostForm(forms.Form):
    section = forms.ModelChoiceField(queryset=Section.objects.all(), empty_label=None)
    title = forms.CharField(
        max_length=Post.TITLE_MAX,
        error_messages={"required": "Give your post a title."},
    )
    body = forms.CharField(
        max_length=Post.BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown: **bold**, *italic*, [links](https://…), lists, > quotes, `code`.",
        error_messages={"required": "Write something before you save."},
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before you save.")
        return body


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=Comment.BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write something before you post your reply."},
    )

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before you post your reply.")
        return body


class SearchForm(forms.Form):
    """The search page's filters (GET). Every field is optional but the words."""

    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=QUERY_MAX,
        help_text='"Exact phrase", or for either word, -word to leave a word out.',
        error_messages={"max_length": f"Search for at most {QUERY_MAX} characters."},
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(label="In", required=False)
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All sections",
    )
    author = forms.CharField(
        label="By member", required=False, max_length=150, help_text="Their @username."
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("relevance", "Best match"), ("newest", "Newest first")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [("", "Everything"), *kinds_choices()]

    def clean_author(self) -> User | None:
        name: str = self.cleaned_data["author"].strip().removeprefix("@")
        if not name:
            return None
        author = User.objects.filter(username__iexact=name, is_active=True).first()
        if author is None:
            raise forms.ValidationError(f"No member is called @{name}.")
        return author

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        section = data.get("section")
        return Filters(
            kinds=[data["kind"]] if data.get("kind") else [],
            section_id=section.pk if section else None,
            author=data.get("author"),
            since=data.get("since"),
            until=data.get("until"),
        )
