"""The search page: one box over projects, plan nodes and organisations, results best first (plain GET)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tidtam.search.choices import EntryKind
from tidtam.search.selectors import MAX_QUERY_CHARS, search

PAGE_LIMIT = 50


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """`/search/?q=…&kind=…`: the results the user may see (the API's `search`, with the same visibility)."""
    q = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS]
    kind = request.GET.get("kind", "")
    if kind not in EntryKind.values:
        kind = ""
    hits = search(user=request.user, q=q, kind=kind or None, limit=PAGE_LIMIT) if q else []
    context = {"q": q, "kind": kind, "kinds": EntryKind.choices, "hits": hits, "searched": bool(q)}
    return render(request, "search/search.html", context)
