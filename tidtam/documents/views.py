"""Document pages: the list (filters, htmx-updated results), the upload page, the document page (what was found,
suggested links with their reasons, and for reviewers the buttons to confirm or reject each link), the download.

Views read through the selectors with `user=request.user` and write only through the services; service errors show
the same Thai / English message the API gives, with the service's HTTP status.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidtam.core.errors import Forbidden, ServiceError
from tidtam.core.views import or_404, posted_version
from tidtam.documents import selectors
from tidtam.documents.choices import DocumentStatus, LinkStatus, SourceType
from tidtam.documents.extract import file_error, max_bytes
from tidtam.documents.forms import UploadForm, upload_organisations
from tidtam.documents.models import DocumentLink
from tidtam.documents.services import document_confirm, document_ingest, document_link_confirm, document_link_reject

PAGE_SIZE = 25
READ_CHUNK = 64 * 1024


@require_GET
def document_list_page(request: HttpRequest) -> HttpResponse:
    """`/documents/`: the documents the user may see, newest first; htmx requests get the results part only."""
    raw = {name: request.GET.get(name, "").strip() for name in selectors.FILTERS}
    error = None
    try:
        documents = selectors.document_list(user=request.user, filters=raw)
    except ServiceError as service_error:
        error, documents = service_error, selectors.document_list(user=request.user)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "raw": raw,
        "query": {k: v for k, v in raw.items() if v},
        "filter_error": error,
        "statuses": DocumentStatus.choices,
        "source_types": SourceType.choices,
        "may_upload": request.user.is_authenticated and bool(upload_organisations(request.user)),
    }
    template = "documents/_results.html" if getattr(request, "htmx", False) else "documents/document_list.html"
    response = render(request, template, context, status=400 if error else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _read_upload(uploaded_file) -> bytes:
    limit = max_bytes()
    if (uploaded_file.size or 0) > limit:
        raise file_error(
            uploaded_file.name, "file_too_large", f"ไฟล์ใหญ่เกิน {limit:,} ไบต์", f"the file is larger than {limit:,} bytes"
        )
    return b"".join(uploaded_file.chunks(READ_CHUNK))


@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest) -> HttpResponse:
    """`/documents/upload/`: ingest one file for an organisation the user may upload for; then its page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    organisations = upload_organisations(request.user)
    if not organisations:
        raise PermissionDenied("คุณไม่มีสิทธิ์นำเข้าเอกสาร / You may not upload documents")
    status = 200
    existing = None
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, organisations=organisations)
        status = 400
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                document = document_ingest(
                    actor=request.user,
                    organisation=form.organisations[form.cleaned_data["organisation"]],
                    file_name=uploaded.name,
                    content=_read_upload(uploaded),
                    title=form.cleaned_data["title"],
                )
                return redirect("documents:detail", pk=document.pk)
            except Forbidden as error:
                raise PermissionDenied(error.message) from error
            except ServiceError as error:
                form.add_error("file", error.message)
                status = error.status
                existing = error.details.get("document") if isinstance(error.details, dict) else None
    else:
        form = UploadForm(organisations=organisations)
    context = {"form": form, "existing": existing, "max_bytes": max_bytes()}
    return render(request, "documents/document_upload.html", context, status=status)


def _detail_context(request: HttpRequest, document, **extra) -> dict:
    user = request.user
    return {
        "document": document,
        "text": selectors.document_text(user=user, document=document),
        "links": selectors.document_links(user=user, document=document),
        "may_review": selectors.may_review(user=user, document=document),
        "may_see_pending": selectors.may_see_pending(user=user, document=document),
        "link_status": LinkStatus,
        **extra,
    }


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = or_404(selectors.document_get, user=request.user, pk=pk)
    return render(request, "documents/document_detail.html", _detail_context(request, document))


@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """The original file, always as a download, for those who may see the document's pending state (the file may
    hold contact data the public page hides)."""
    document = or_404(selectors.document_get, user=request.user, pk=pk)
    if not selectors.may_see_pending(user=request.user, document=document):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied("คุณไม่มีสิทธิ์ดาวน์โหลดไฟล์นี้ / You may not download this file")
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("file missing") from error
    content_type = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}[document.source_type]
    response = FileResponse(handle, as_attachment=True, filename=document.file_name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ("Cookie",))
    return response


@require_POST
def document_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("documents:detail", args=[pk]))
    document = or_404(selectors.document_get, user=request.user, pk=pk)
    version = posted_version(request)
    try:
        document_confirm(actor=request.user, document=document, version=version)
    except Forbidden as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        document.refresh_from_db()
        context = _detail_context(request, document, error=error)
        return render(request, "documents/document_detail.html", context, status=error.status)
    return redirect("documents:detail", pk=pk)


@require_POST
def link_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Confirm or reject one link; an htmx request gets the link's row back, others the document page."""
    if decision not in ("confirm", "reject"):
        raise Http404("unknown decision")
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("documents:list"))
    link = DocumentLink.objects.filter(pk=pk).first()
    if link is None:
        raise Http404("no such link")
    document = or_404(selectors.document_get, user=request.user, pk=link.document_id)
    service = document_link_confirm if decision == "confirm" else document_link_reject
    try:
        link = service(actor=request.user, link=link)
    except Forbidden as error:
        raise PermissionDenied(error.message) from error
    if getattr(request, "htmx", False):
        link = next(
            (item for item in selectors.document_links(user=request.user, document=document) if item.pk == link.pk),
            link,
        )
        context = {"link": link, "document": document, "may_review": True, "link_status": LinkStatus}
        return render(request, "documents/_link.html", context)
    return redirect(reverse("documents:detail", args=[document.pk]) + "#links")
