"""Small helpers every app's page views share."""

from django.http import Http404, HttpRequest

from tidtam.core.errors import NotFound


def or_404(selector, **kwargs):
    """Call a `*_get` selector; its NotFound becomes a 404 page."""
    try:
        return selector(**kwargs)
    except NotFound as error:
        raise Http404(error.message) from error


def posted_version(request: HttpRequest) -> int:
    """The `version` field of a POST form (-1 when missing or not a number: a stale version, refused with 409)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
