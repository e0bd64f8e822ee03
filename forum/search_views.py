"""The search page (forum.search does the searching)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.budgets import client_key, spend

from .forms import SearchForm
from .limits import Rate
from .search import MAX_PAGE, MAX_RESULTS, QueryRefused, search

# Per member, or per address for visitors (an office behind one address shares it: hence more).
MEMBER_SEARCH_RATE = Rate(30, timedelta(minutes=1), "at most 30 searches a minute")
VISITOR_SEARCH_RATE = Rate(
    60, timedelta(minutes=1), "at most 60 searches a minute from one address"
)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if request.GET else None)
    context: dict[str, object] = {"form": form, "max_results": MAX_RESULTS}
    if not form.is_bound or not form.is_valid() or not form.cleaned_data["q"].strip():
        return render(request, "forum/search.html", context)
    rate = MEMBER_SEARCH_RATE if request.user.is_authenticated else VISITOR_SEARCH_RATE
    if settings.FORUM_RATE_LIMITS and not spend(
        f"search:{client_key(request)}", count=rate.count, window=rate.window
    ):
        context["refused"] = (
            f"You are searching faster than the site allows ({rate.text}). "
            "Your search is still in the box: try again in a minute."
        )
        return render(request, "forum/search.html", context, status=429)
    try:
        results = search(
            form.cleaned_data["q"],
            form.filters(),
            sort=form.cleaned_data["sort"] or "relevance",
            page=_page_number(request),
        )
    except QueryRefused as refused:
        form.add_error("q", str(refused))
        return render(request, "forum/search.html", context)
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    context.update(results=results, query=urlencode(kept) + "&" if kept else "")
    return render(request, "forum/search.html", context)
