"""Picking a rendered form where its template gives it no id (WebTest's `page.forms[id]` otherwise)."""

from __future__ import annotations

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
