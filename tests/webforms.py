"""Picking a rendered form where its template gives it no id (WebTest's `page.forms[id]` otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webtest.forms import Form


def form_to(page, action: str) -> Form:
    """The form on the page that submits to `action`, as the browser would find it."""
    found = [form for form in _forms(page) if form.action == action]
    assert found, f"no form submits to {action}; actions on the page: {_actions(page)}"
    return found[0]


def form_with(page, *fields: str) -> Form:
    """The form on the page that has all these fields (inputs or named buttons)."""
    found = [form for form in _forms(page) if all(name in form.fields for name in fields)]
    assert found, f"no form has the fields {fields}; actions on the page: {_actions(page)}"
    return found[0]


def _forms(page) -> list[Form]:
    # page.forms holds each form under its position and again under its id: take each once, in order.
    return [form for key, form in page.forms.items() if isinstance(key, int)]


def _actions(page) -> list[str]:
    return [form.action for form in _forms(page)]


@dataclass
class OutsideButtons:
    """Buttons that submit a form from outside it (`form="<id>"`, `formaction="<url>"`), as a
    thread page's comment buttons do: WebTest sees the form but not them, so this finds them in
    the page and submits as a browser would: the form's fields, the button's name and value, to
    the button's formaction."""

    page: Any
    form: Form
    action: str
    buttons: list[dict[str, str]]

    def values(self) -> list[str]:
        return [button.get("value", "") for button in self.buttons]

    def submit(self, value: str | None = None):
        button = next(b for b in self.buttons if value is None or b.get("value") == value)
        params = list(self.form.submit_fields())
        if button.get("name"):
            params.append((button["name"], button.get("value", "")))
        assert self.form.method.lower() == "post"
        return self.page.test_app.post(self.action, params=params)


def buttons_to(page, action: str) -> OutsideButtons:
    """The buttons on the page whose formaction is `action`, with the form they submit."""
    found = [
        {key: str(value) for key, value in tag.attrs.items()}
        for tag in page.html.find_all("button", attrs={"formaction": action})
    ]
    assert found, f"no button submits to {action}"
    owners = {button.get("form") for button in found}
    assert len(owners) == 1 and None not in owners, (
        f"buttons to {action} name no one form: {owners}"
    )
    (owner,) = owners
    return OutsideButtons(page=page, form=page.forms[owner], action=action, buttons=found)
