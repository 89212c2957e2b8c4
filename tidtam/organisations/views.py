"""The public organisation directory: the tree with a live (htmx) search, and one page per organisation."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from tidtam.core.errors import NotFound
from tidtam.core.selectors import audit_timeline, may_see_actors
from tidtam.opendata.selectors import organisation_accepted_projects, public_reporting_record
from tidtam.organisations import selectors
from tidtam.organisations.choices import OrganisationKind

TIMELINE_LIMIT = 50
QUERY_MAX_LENGTH = 100


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The directory. An htmx request (the live search) gets only the results partial."""
    q = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    kind = request.GET.get("kind", "")
    if kind not in OrganisationKind.values:
        kind = ""
    organisations = list(selectors.organisation_list(user=request.user, kind=kind or None, q=q or None))
    # Indent relative to the shallowest organisation shown, so a filtered list still starts at the margin.
    top = min((o.depth for o in organisations), default=1)
    for organisation in organisations:
        organisation.indent = min(organisation.depth - top, 8)
    context = {
        "organisations": organisations,
        "q": q,
        "kind": kind,
        "kinds": OrganisationKind.choices,
        "filtered": bool(q or kind),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "organisations/_organisation_results.html" if partial else "organisations/organisation_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One organisation: names, kind, place in the tree, website, its accepted projects (limited), its public
    reporting record per round (accepted data only) and audit timeline (no member list)."""
    try:
        organisation = selectors.organisation_get(user=request.user, code=code)
    except NotFound as error:
        raise Http404(error.message) from error
    children = selectors.organisation_list(user=request.user, parent_code=organisation.code).filter(parent=organisation)
    projects, more_projects = organisation_accepted_projects(user=request.user, organisation=organisation)
    context = {
        "organisation": organisation,
        "children": list(children),
        "projects": projects,
        "more_projects": more_projects,
        "record": public_reporting_record(organisation=organisation),
        "timeline": list(audit_timeline(user=request.user, obj=organisation)[:TIMELINE_LIMIT]),
        "show_actors": may_see_actors(request.user),
    }
    return render(request, "organisations/organisation_detail.html", context)
