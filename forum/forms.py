from django import forms

from .models import Comment, Post, Section


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
