"""The reviewers' page of candidate duplicate projects (`/review/duplicates/`) and the POST that records a verdict.

The pairs come from the table `tidtam duplicates scan` fills (`evaluation.duplicates`), best first, filtered by
fiscal year and organisation, 20 a page; a verdict is marked with htmx without reloading the page (the form swaps
itself for the answer), or by a plain POST that comes back to the page. Kept apart from `views.py` (the rules page
and the alignment queue) so each page's imports stay its own.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tidtam.core.errors import Forbidden, ServiceError
from tidtam.core.permissions import Action, can
from tidtam.evaluation import duplicates
from tidtam.evaluation.forms import DuplicateFilterForm, DuplicateMarkForm
from tidtam.evaluation.models import DuplicateReview, Verdict
from tidtam.evaluation.selectors import duplicate_queue, last_duplicate_scan, may_review_duplicates
from tidtam.evaluation.services import duplicate_mark
from tidtam.projects.selectors import project_get

PAGE_SIZE = 20
PARTS = (
    ("name", _("ชื่อ / Names")),
    ("text", _("หลักการและวัตถุประสงค์ / Rationale and objectives")),
    ("places", _("จังหวัดและประเทศ / Provinces and countries")),
    ("partners", _("หน่วยงานร่วม / Partners")),
    ("budget", _("งบประมาณต่อปี / Yearly budget")),
)


def _message(error: ServiceError) -> str:
    """The service's message, followed by what is wrong with each field it names."""
    details = error.details if isinstance(error.details, dict) else {}
    problems = [
        text for texts in details.values() if isinstance(texts, list) for text in texts if isinstance(text, str)
    ]
    return f"{error.message}: {'; '.join(problems)}" if problems else error.message


def _refused(request: HttpRequest, error: ServiceError) -> HttpResponse:
    context = {"message": error.message, "code": error.code, "back": ""}
    return render(request, "workflow/refused.html", context, status=error.status)


def _forbidden() -> Forbidden:
    return Forbidden("forbidden", "คุณไม่มีสิทธิ์ดำเนินการนี้ / You are not allowed to do this")


@login_required
@require_GET
def duplicate_queue_page(request: HttpRequest) -> HttpResponse:
    """Candidate duplicate pairs above the queue's threshold, best first, the two projects side by side with the
    score, each part's similarity and the reasons, and a form to mark the pair. Reviewers only."""
    if not may_review_duplicates(request.user):
        return _refused(request, _forbidden())
    form = DuplicateFilterForm(request.GET)
    pairs = duplicate_queue(user=request.user, **form.filters())
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    for pair in page.object_list:
        pair.sides = (pair.project_a, pair.project_b)
        pair.part_rows = [(label, pair.parts.get(key, 0.0), duplicates.WEIGHTS[key]) for key, label in PARTS]
    query = form.query()
    context = {
        "form": form,
        "page": page,
        "query": query,
        "scanned_at": last_duplicate_scan(),
        "threshold": duplicates.QUEUE_MIN_SCORE,
        "verdicts": Verdict,
        "next": request.get_full_path(),
    }
    use_partial = request.htmx and not request.htmx.history_restore_request
    template = "evaluation/_duplicate_list.html" if use_partial else "evaluation/duplicate_queue.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _back(request: HttpRequest, candidate: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else reverse("evaluation:duplicate_queue")


@login_required
@require_POST
def duplicate_mark_view(request: HttpRequest) -> HttpResponse:
    """Record a verdict on a pair (`evaluation.services.duplicate_mark`). With htmx the answer is the pair's verdict
    box (the new verdict, or the refusal's message in it); otherwise a message and a redirect back to the queue."""
    if not can(request.user, Action.EDIT, DuplicateReview):
        return _refused(request, _forbidden())
    form = DuplicateMarkForm(request.POST)
    if not form.is_valid():
        error = "แบบฟอร์มไม่ครบถ้วน โปรดโหลดหน้าใหม่ / The form was not complete; reload the page"
        if request.htmx:
            return _verdict_box(request, form.data.get("project_a"), form.data.get("project_b"), error=error)
        messages.error(request, error)
        return redirect(_back(request, form.data.get("next", "")))
    data = form.cleaned_data
    try:
        review = duplicate_mark(
            actor=request.user,
            project_a=project_get(user=request.user, pk=data["project_a"]),
            project_b=project_get(user=request.user, pk=data["project_b"]),
            verdict=data["verdict"],
            reason=data["reason"],
            version=data["version"],
        )
    except ServiceError as error:
        if request.htmx:  # htmx swaps only 2xx answers: the refusal comes back inside the box
            return _verdict_box(request, data["project_a"], data["project_b"], error=_message(error))
        if error.status in (403, 404):
            return _refused(request, error)
        messages.error(request, _message(error))
        return redirect(_back(request, data["next"]))
    if request.htmx:
        return _verdict_box(request, review.project_a_id, review.project_b_id, review=review, done=True)
    messages.success(request, f"บันทึกผลการพิจารณาแล้ว / Verdict recorded: {Verdict(review.verdict).label}")
    return redirect(_back(request, data["next"]))


def _verdict_box(request, project_a, project_b, *, review=None, error: str = "", done: bool = False) -> HttpResponse:
    context = {
        "a": project_a,
        "b": project_b,
        "verdict": review.verdict if review else None,
        "verdict_label": Verdict(review.verdict).label if review else "",
        "version": review.version if review else None,
        "reason": review.reason if review else "",
        "error": error,
        "done": done,
        "verdicts": Verdict,
        "next": reverse("evaluation:duplicate_queue"),
    }
    return render(request, "evaluation/_duplicate_verdict.html", context)
