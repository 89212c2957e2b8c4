"""Privacy (issue 5, item 6): nothing that is not public reaches an anonymous visitor, on any page, API answer or
download.

The demo is loaded once for the module (inside a transaction rolled back at the end), and the kinds of secret it
lacks are added through the services by the demo people: an accepted project and an accepted report that a reviewer
unlocked (unlock reason), that got files not marked public and files marked public, a draft text replaced before
sending, a return with its reason, and were accepted again; an approved report of a closed round whose lock a reviewer
lifted (the reason is in its audit log) and then accepted; a file marked public on a draft project; reports left in
draft, submitted, approved and returned with narratives of their own.

The secrets are then read from the database — every non-accepted project's code and names; the narrative of every
report not accepted (or of a project not accepted); every return reason (on the item and in the audit log) and
unlock reason; the replaced draft text; every responsible person's name, position, e-mail and telephone; the names of
files not marked public and of any file of a non-accepted item, with the bytes of the private ones; every user's
username, e-mail and full name (all demo users are staff, so also every audit entry's actor). Then, anonymously:

1. pages are crawled breadth-first from `/` and the other entry points (every URL pattern without parameters:
   /frameworks/, /dashboard/ and its sub-pages, /rules/, /organisations/, /projects/, /rounds/, /downloads/, ...),
   following same-site `href`s, GET form actions and `hx-get`, every page of a paged list and up to
   QUERIES_PER_PATH other query strings per path pattern, within PAGE_LIMIT fetches (the demo needs ~500); a
   public detail page no link reached is fetched afterwards;
2. every GET operation of `/api/v1/openapi.json` is called with its path parameters filled with the public items and
   with the hidden ones, without query parameters and then with each list filter in turn (including filters that
   name hidden items, like `status=draft`, a hidden project's organisation or id), list endpoints paged through their
   cursors, API links found in the answers followed; and the audit timeline of every project, report and file;
3. every download under `/api/v1/exports/` that exists (from the OpenAPI document, the URLconf and the paths of
   PRODUCT.md §5), without and with filters; `.xlsx` files are unzipped and their XML parts scanned.

Every answer must be free of secrets (body and headers, also once HTML entities, `\\u` escapes and percent-encoding
are undone), no answer may be a 5xx, no page may link to a hidden item, and the addresses of hidden items must answer
404 (for the report pages, which send signed-out visitors to sign in for any report they cannot see, exactly what a
report that does not exist gets) — never 403 or the item.

False positives are avoided by using only distinctive secrets: a candidate shorter than MIN_LENGTH (8) characters, or
present in any text field of a public row (accepted projects and their parts except the responsible person's fields
and the return reason, accepted reports of accepted projects except the return reason, public files of those,
organisations, plans, rounds, provinces, countries), is dropped — a report text the demo also uses in an accepted
report, for instance, proves nothing, so the test writes narratives of its own. The public rows are chosen by status
here, not by the selectors under test. Node pages are fetched for the nodes a project contributes to or that hold
indicators, with their ancestors; the other nodes' pages show plan text only and are left out to keep the test fast.
"""

import json
import re
from dataclasses import dataclass, field
from itertools import product
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tidtam.core.demo import demo_load
from tidtam.core.models import AuditEntry, Country, Province
from tidtam.documents.choices import DocumentStatus
from tidtam.documents.models import Document
from tidtam.documents.services import document_confirm, document_ingest
from tidtam.opendata.tests.crawl import EXPORTS_PREFIX, Crawler, Scanner, same_site
from tidtam.organisations.models import Organisation
from tidtam.plans.models import CrossLink, Framework, FrameworkVersion, Indicator, IndicatorTarget, IndicatorValue, Node
from tidtam.projects.models import Activity, Attachment, Contribution, Project, ProjectKpi
from tidtam.projects.services import attachment_add
from tidtam.reporting.models import ProgressReport, ReportingRound
from tidtam.reporting.selectors import reports_owed
from tidtam.reporting.services import report_create, report_update
from tidtam.workflow.choices import WorkflowStatus
from tidtam.workflow.services import workflow_transition

pytestmark = pytest.mark.django_db

ACCEPTED = WorkflowStatus.ACCEPTED
MIN_LENGTH = 8
PAGE_LIMIT = 2500  # fetches; the demo needs about 500, and a crawl stopped by the limit fails the coverage test
QUERIES_PER_PATH = 12  # distinct query strings followed per page path pattern (filter and paging links multiply)
# The sign-in page's `?next=` variants are the same page.
QUERY_EXCEPTIONS = {"/accounts/login/": 1}
MISSING_ID = 987654321
DOCUMENT_EMAIL = "somchai.privacy@example.go.th"
DOCUMENT_PHONE = "02-643-1234"
PENDING_DOCUMENT = "บันทึกร่างภายในที่ยังไม่ผ่านการตรวจ เรื่องการประชุมหารือลับกับกระทรวงกลาโหม วันที่ 9 พฤษภาคม 2568\n"
CONFIRMED_DOCUMENT = (
    f"รายงานผลการประชุมความร่วมมืออาเซียน วันที่ 17 ก.ค. 2568\nติดต่อผู้ประสานงาน {DOCUMENT_EMAIL} โทร {DOCUMENT_PHONE}\n"
)
CRAWL_LIMITS = {"limit": PAGE_LIMIT, "per_path": QUERIES_PER_PATH, "exceptions": QUERY_EXCEPTIONS}
PAGES_PER_LIST = 60  # cursor pages followed per list endpoint
# The bulk downloads PRODUCT.md §5 names; whichever of them exists is fetched, as is any other under /api/v1/exports/.
KNOWN_EXPORTS = (
    "projects.csv",
    "projects.xlsx",
    "projects.jsonl",
    "reports.csv",
    "indicator-values.csv",
    "iati-activities.xml",
    "catalog.jsonld",
)
PRIVATE_PROJECT_FIELDS = ("responsible_name", "responsible_position", "responsible_email", "responsible_phone")

# The texts the test adds; each is distinctive, so finding one anywhere public is a leak.
UNLOCK_PROJECT = "ปลดล็อกเพื่อแก้ไขเอกสารแนบ ความเห็นภายในของผู้ตรวจ privacy-unlock-project"
UNLOCK_APPROVED = "ยกเลิกการล็อกรอบที่ปิดแล้วเพื่อตรวจรับ ความเห็นภายในของผู้ตรวจ privacy-unlock-approved"
UNLOCK_REPORT = "ปลดล็อกรายงานเพื่อเพิ่มหลักฐาน ความเห็นภายในของผู้ตรวจ privacy-unlock-report"
RETURN_PROJECT = "โปรดแก้ไขชื่อไฟล์แนบก่อนส่งใหม่ ความเห็นภายในของผู้อนุมัติ privacy-return-project"
RETURN_REPORT = "ผลการดำเนินงานยังไม่ครบถ้วน ความเห็นภายในของผู้อนุมัติ privacy-return-report"
SUPERSEDED_DRAFT = "ข้อความร่างที่ถูกแทนที่ก่อนส่ง ไม่เผยแพร่ privacy-superseded-draft"
FILES = {  # name → (bytes, is public, holder)
    "privacy-private-project-note.txt": (b"privacy-private-project-bytes: internal working note\n", False, "project"),
    "privacy-public-project-brief.txt": (b"public project brief, fine to publish\n", True, "project"),
    "privacy-private-report-evidence.txt": (b"privacy-private-report-bytes: unpublished evidence\n", False, "report"),
    "privacy-public-report-evidence.txt": (b"public report evidence, fine to publish\n", True, "report"),
    "privacy-draft-project-file.txt": (b"privacy-draft-project-bytes: a file of a draft project\n", True, "draft"),
}
HIDDEN_REPORTS = {  # state → narrative the report is left with
    state: {
        "physical_progress": "40",
        "results": f"ผลการดำเนินงานในรายงานที่ยังไม่เผยแพร่ privacy-{state}-results",
        "problems": f"ปัญหาอุปสรรคในรายงานที่ยังไม่เผยแพร่ privacy-{state}-problems",
        "recommendations": f"ข้อเสนอแนะในรายงานที่ยังไม่เผยแพร่ privacy-{state}-recommendations",
    }
    for state in ("draft", "submitted", "approved", "returned")
}


# ---------------------------------------------------------------------------------------------------------------------
# The data: the demo, the secrets it lacks, and what is public.


def _people() -> dict:
    User = get_user_model()
    return {u.username: u for u in User.objects.filter(username__in=["reporter.mfa", "approver.mfa", "reviewer.nesdc"])}


def _move(item, actor, action: str, reason: str = ""):
    item.refresh_from_db()
    return workflow_transition(actor=actor, item=item, action=action, version=item.version, reason=reason)


def _accept_again(item, people, return_reason: str):
    """Submit, return once with `return_reason`, submit again, approve at every level, accept."""
    _move(item, people["reporter.mfa"], "submit")
    _move(item, people["approver.mfa"], "return", return_reason)
    item = _move(item, people["reporter.mfa"], "submit")
    while item.status == WorkflowStatus.SUBMITTED:
        item = _move(item, people["approver.mfa"], "approve")
    item = _move(item, people["reviewer.nesdc"], "accept")
    assert item.status == ACCEPTED
    return item


def _attach(people, project, name: str, report=None):
    content, is_public, _holder = FILES[name]
    upload = SimpleUploadedFile(name, content, content_type="text/plain")
    return attachment_add(actor=people["reporter.mfa"], project=project, report=report, uploaded_file=upload,
                          is_public=is_public)  # fmt: skip


def _add_missing_secrets() -> dict[str, int]:
    """The kinds of secret the demo lacks, written through the services by the demo people. Returns the ids of the
    accepted project and reports that now carry working notes."""
    people = _people()
    own = Project.objects.filter(owner__code="mfa-ps-policy")  # reporter.mfa's own organisation
    # An accepted project unlocked, given a private and a public file, returned once and accepted again.
    project = own.filter(status=ACCEPTED).order_by("code").first()
    _move(project, people["reviewer.nesdc"], "unlock", UNLOCK_PROJECT)
    _attach(people, project, "privacy-private-project-note.txt")
    _attach(people, project, "privacy-public-project-brief.txt")
    _accept_again(project, people, RETURN_PROJECT)
    # An accepted report (of a closed round) likewise, with a draft text replaced before it was sent again.
    report = ProgressReport.objects.filter(project__in=own.filter(status=ACCEPTED), status=ACCEPTED).first()
    _move(report, people["reviewer.nesdc"], "unlock", UNLOCK_REPORT)
    report.refresh_from_db()
    final_results = report.results
    report = report_update(actor=people["reporter.mfa"], report=report, version=report.version,
                           results=SUPERSEDED_DRAFT)  # fmt: skip
    report_update(actor=people["reporter.mfa"], report=report, version=report.version, results=final_results)
    _attach(people, report.project, "privacy-private-report-evidence.txt", report=report)
    _attach(people, report.project, "privacy-public-report-evidence.txt", report=report)
    _accept_again(report, people, RETURN_REPORT)
    # An approved report of a closed round whose round lock the reviewer lifted, then accepted: acceptance clears
    # the unlock reason from the report; its audit log keeps it.
    approved = ProgressReport.objects.filter(status=WorkflowStatus.APPROVED, round__status="closed",
                                             project__status=ACCEPTED).order_by("pk").first()  # fmt: skip
    _move(approved, people["reviewer.nesdc"], "unlock", UNLOCK_APPROVED)
    _move(approved, people["reviewer.nesdc"], "accept")
    noted = {"project": project.pk, "report": report.pk, "approved report": approved.pk}
    # A file marked public on a draft project: hidden with its project.
    _attach(people, own.filter(status=WorkflowStatus.DRAFT).order_by("code").first(), "privacy-draft-project-file.txt")
    # Reports of accepted projects left in each hidden state, with narratives of their own.
    slots = []
    for round_ in ReportingRound.objects.filter(status="open").order_by("-period_start"):
        for owed in reports_owed(round=round_).filter(owner__code="mfa-ps-policy", status=ACCEPTED).order_by("code"):
            existing = ProgressReport.objects.filter(project=owed, round=round_).first()
            if existing is None:
                slots.append(report_create(actor=people["reporter.mfa"], project=owed, round=round_))
            elif existing.status == WorkflowStatus.DRAFT:
                slots.append(existing)
    slots.sort(key=lambda report: bool(report.return_reason))  # a returned draft only for the state "returned"
    assert len(slots) >= len(HIDDEN_REPORTS), "the demo no longer leaves enough reports of mfa-ps-policy to write"
    for (state, texts), report in zip(HIDDEN_REPORTS.items(), slots, strict=False):
        report.refresh_from_db()
        report_update(actor=people["reporter.mfa"], report=report, version=report.version, **texts)
        if state == "draft":
            continue
        report = _move(report, people["reporter.mfa"], "submit")
        if state == "returned":
            _move(report, people["approver.mfa"], "return", RETURN_REPORT)
        elif state == "approved":
            while report.status == WorkflowStatus.SUBMITTED:
                report = _move(report, people["approver.mfa"], "approve")
    # Two documents of reporter.mfa's organisation: one left pending (nothing of it is public), one confirmed by the
    # reviewer (public, but the contact data in its text is hidden from the public).
    organisation = Organisation.objects.get(code="mfa-ps-policy")
    document_ingest(actor=people["reporter.mfa"], organisation=organisation, file_name="privacy-pending-note.txt",
                    content=PENDING_DOCUMENT.encode())  # fmt: skip
    confirmed = document_ingest(actor=people["reporter.mfa"], organisation=organisation,
                                file_name="privacy-public-note.txt", content=CONFIRMED_DOCUMENT.encode())  # fmt: skip
    document_confirm(actor=people["reviewer.nesdc"], document=confirmed, version=confirmed.version)
    return noted


def _text_values(queryset, exclude=()) -> list[str]:
    fields = [
        f.attname
        for f in queryset.model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and f.name not in exclude
    ]
    return [str(value) for row in queryset.values_list(*fields) for value in row if value]


def _public_reports():
    return ProgressReport.objects.filter(status=ACCEPTED, project__status=ACCEPTED)


def _public_attachments():
    return Attachment.objects.filter(is_public=True, project__status=ACCEPTED).filter(
        models.Q(report__isnull=True) | models.Q(report__in=_public_reports())
    )


def _public_corpus() -> str:
    """Every text of every public row, chosen by status (not by the selectors under test)."""
    accepted = Project.objects.filter(status=ACCEPTED)
    chunks = []
    for queryset in (
        Organisation.objects.all(),
        Framework.objects.all(),
        FrameworkVersion.objects.all(),
        Node.objects.all(),
        Indicator.objects.all(),
        IndicatorTarget.objects.all(),
        IndicatorValue.objects.all(),
        CrossLink.objects.all(),
        ReportingRound.objects.all(),
        Province.objects.all(),
        Country.objects.all(),
        ProjectKpi.objects.filter(project__in=accepted),
        Activity.objects.filter(project__in=accepted),
        _public_attachments(),
    ):
        chunks += _text_values(queryset)
    chunks += _text_values(accepted, exclude={*PRIVATE_PROJECT_FIELDS, "return_reason"})
    chunks += _text_values(_public_reports(), exclude={"return_reason"})
    return "\n".join(chunks)


def _nodes_with_projects() -> set[int]:
    """The current nodes a project (public or hidden) contributes to or that hold indicators, with their ancestors:
    the only nodes whose pages and figures can show anything of a project or report. The other nodes' pages hold
    plan text alone (public by definition), so the crawl leaves them out to stay fast."""
    current = Node.objects.filter(framework_version__is_current=True)
    by_path = {(version, path): pk for pk, version, path in current.values_list("pk", "framework_version", "tree_path")}
    direct = {*Contribution.objects.values_list("node_id", flat=True)}
    direct |= {*Indicator.objects.values_list("node_id", flat=True)}
    found = set()
    for version, path in current.filter(pk__in=direct).values_list("framework_version", "tree_path"):
        codes = path.strip("/").split("/")
        found |= {by_path[version, "/" + "/".join(codes[:depth]) + "/"] for depth in range(1, len(codes) + 1)}
    return found


_NODE_PAGE = re.compile(r"^/(?:dashboard/)?nodes/(\d+)/|^/frameworks/[^/]+/nodes/(\d+)/|^/api/v1/nodes/(\d+)")


def _other_node(world: "World"):
    """Whether a URL is the page of a node outside `_nodes_with_projects`."""
    relevant = set(world.public["nodes"])

    def skip(url: str) -> bool:
        match = _NODE_PAGE.match(url)
        return match is not None and int(next(group for group in match.groups() if group)) not in relevant

    return skip


@dataclass
class World:
    secrets: dict[str, str]  # secret text → what it is
    dropped: dict[str, str]  # candidates not distinctive enough, and why
    byte_secrets: dict[bytes, str]
    public: dict[str, list]  # kind → public ids / codes
    hidden: dict[str, list]  # kind → ids of items that must stay hidden
    filter_values: dict[str, list[str]]
    noted: dict[str, int] = field(default_factory=dict)  # accepted items with working notes (see _add_missing_secrets)
    notes: list[str] = field(default_factory=list)


def _collect() -> World:
    candidates: dict[str, str] = {}

    def add(value: str | None, label: str) -> None:
        value = (value or "").strip()
        if value:
            candidates.setdefault(value, label)

    hidden_projects = list(Project.objects.exclude(status=ACCEPTED))
    for project in hidden_projects:
        state = "returned" if project.return_reason else project.status
        for name in ("code", "name_th", "name_en"):
            add(getattr(project, name), f"{name} of {state} project {project.code}")
    for project in Project.objects.all():
        for name in PRIVATE_PROJECT_FIELDS:
            add(getattr(project, name), f"{name} of project {project.code}")
    hidden_reports = list(ProgressReport.objects.exclude(pk__in=_public_reports()).select_related("project"))
    for report in hidden_reports:
        state = "returned" if report.return_reason else report.status
        for name in ("results", "problems", "recommendations"):
            add(getattr(report, name), f"{name} of {state} report {report.pk} ({report.project.code})")
    for model in (Project, ProgressReport):
        for item in model.objects.exclude(return_reason=""):
            add(item.return_reason, f"return reason on {model.__name__} {item.pk}")
    for entry in AuditEntry.objects.filter(action__in=["return", "unlock"]).exclude(reason=""):
        add(entry.reason, f"{entry.action} reason in the audit log of {entry.object_type}:{entry.object_id}")
    add(SUPERSEDED_DRAFT, "a draft text replaced before submission (audit before/after)")
    hidden_attachments = list(Attachment.objects.exclude(pk__in=_public_attachments()))
    for attachment in hidden_attachments:
        add(attachment.original_name, f"name of hidden file {attachment.pk}")
    for document in Document.objects.exclude(status=DocumentStatus.CONFIRMED):
        add(document.title, f"title of pending document {document.pk}")
        add(document.text, f"text of pending document {document.pk}")
    add(DOCUMENT_EMAIL, "an e-mail address in a confirmed document")
    add(DOCUMENT_PHONE, "a telephone number in a confirmed document")
    for user in get_user_model().objects.all():
        for name, value in (("username", user.username), ("e-mail", user.email), ("name", user.get_full_name())):
            add(value, f"{name} of user {user.username}")

    corpus = _public_corpus()
    secrets, dropped = {}, {}
    for value, label in candidates.items():
        if len(value) < MIN_LENGTH:
            dropped[value] = f"{label}: shorter than {MIN_LENGTH}"
        elif value in corpus:
            dropped[value] = f"{label}: also in a public row"
        else:
            secrets[value] = label
    byte_secrets = {
        content.strip(): f"bytes of {name}" for name, (content, is_public, holder) in FILES.items() if not is_public
    }
    byte_secrets[FILES["privacy-draft-project-file.txt"][0].strip()] = "bytes of a draft project's file"

    accepted = Project.objects.filter(status=ACCEPTED)
    public = {
        "frameworks": list(Framework.objects.values_list("code", flat=True)),
        "nodes": sorted(_nodes_with_projects()),
        "indicators": list(Indicator.objects.values_list("pk", flat=True)),
        "organisations": list(Organisation.objects.values_list("code", flat=True)),
        "organisation_ids": list(Organisation.objects.values_list("pk", flat=True)),
        "projects": list(accepted.values_list("pk", flat=True)),
        "reports": list(_public_reports().values_list("pk", flat=True)),
        "attachments": list(_public_attachments().values_list("pk", flat=True)),
        "rounds": list(ReportingRound.objects.values_list("pk", flat=True)),
        "documents": list(Document.objects.filter(status=DocumentStatus.CONFIRMED).values_list("pk", flat=True)),
    }
    hidden = {
        "documents": list(Document.objects.exclude(status=DocumentStatus.CONFIRMED).values_list("pk", flat=True)),
        "projects": [p.pk for p in hidden_projects],
        "reports": [r.pk for r in hidden_reports],
        "attachments": [a.pk for a in hidden_attachments],
    }
    halves = [value[: len(value) // 2] for value in secrets if "project" in secrets[value] and "name" in secrets[value]]
    owners = sorted({p.owner.code for p in hidden_projects})
    filter_values = {
        "q": sorted(set(halves))[:4] + ["ตัวอย่าง"],
        "organisation": [*owners, "mfa"],
        "framework": public["frameworks"],
        "node": sorted({c.node_id for p in hidden_projects for c in p.contributions.all()})[:4],
        "fiscal_year": ["2569", "2568"],
        "fy": ["2569", "2568"],
        "province": ["10"],
        "status": ["draft", "submitted", "approved", "returned", "accepted"],
        "lifecycle": ["planned", "ongoing"],
        "kind": ["project", "routine", "ministry"],
        "limit": ["500"],
        "round": [str(r) for r in ReportingRound.objects.filter(status="open").values_list("pk", flat=True)],
        "quarter": ["1", "4"],
        "project": [str(pk) for pk in hidden["projects"] + public["projects"][:1]],
        "parent": ["mfa", "02"],
        "depth": ["9"],
        "format": ["flat", "tree"],
        "basis": ["review", "public"],
        "version": [str(v) for v in FrameworkVersion.objects.values_list("label", flat=True)[:2]],
        "source_type": ["text", "html", "pdf"],
        "min_score": ["0"],
    }
    return World(secrets, dropped, byte_secrets, public, hidden, filter_values)


# ---------------------------------------------------------------------------------------------------------------------
# The crawl.


def _parameterless_routes() -> list[str]:
    """Every page URL pattern without parameters (the entry points), outside the admin and the API."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if "<" in route or "(?P" in route or route.startswith(("^", "admin/", "api/")):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                found.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return [url for url in found if same_site("/", url)]


def _page_urls(world: World) -> list[str]:
    """Every public detail page, fetched if the link crawl did not reach it."""
    public = world.public
    urls = [reverse("plans:framework", args=[code]) for code in public["frameworks"]]
    urls += [reverse("plans:node", args=[pk]) for pk in public["nodes"]]
    urls += [reverse("dashboards:node", args=[pk]) for pk in public["nodes"]]
    urls += [reverse("organisations:detail", args=[code]) for code in public["organisations"]]
    urls += [reverse("dashboards:organisation", args=[code]) for code in public["organisations"]]
    urls += [reverse("reporting:round_detail", args=[pk]) for pk in public["rounds"]]
    urls += [reverse("dashboards:round", args=[pk]) for pk in public["rounds"]]
    urls += [reverse("projects:detail", args=[pk]) for pk in public["projects"]]
    urls += [reverse("reporting:report_detail", args=[pk]) for pk in public["reports"]]
    urls += [reverse("projects:attachment", args=[pk]) for pk in public["attachments"]]
    return urls


def _detail_urls(kind: str, pk: int) -> list[str]:
    """The page and API addresses that show one project, report or file."""
    page = {"project": "projects:detail", "report": "reporting:report_detail", "attachment": "projects:attachment"}
    urls = [reverse(page[kind], args=[pk]), f"/api/v1/{kind}s/{pk}", f"/api/v1/audit?object={kind}:{pk}"]
    if kind == "project":
        urls.append(f"/api/v1/projects/{pk}/reports")
    return urls


def _hidden_urls(world: World) -> dict[str, tuple[str, str]]:
    """The detail URLs of every hidden item → (what it is, the same URL for an id that does not exist)."""
    urls = {}
    for kind in ("project", "report", "attachment"):
        missing = _detail_urls(kind, MISSING_ID)
        for pk in world.hidden[f"{kind}s"]:
            for url, twin in zip(_detail_urls(kind, pk), missing, strict=True):
                urls[url] = (f"{kind} {pk}", twin)
    return urls


def _path_values(world: World, segment: str) -> list[str] | None:
    """Values for a path parameter that follows `segment` (`/projects/{id}`): public and hidden items alike."""
    values = {
        "frameworks": world.public["frameworks"],
        "nodes": world.public["nodes"],
        "indicators": world.public["indicators"],
        "organisations": world.public["organisations"],
        "projects": world.public["projects"] + world.hidden["projects"],
        "reports": world.public["reports"] + world.hidden["reports"],
        "attachments": world.public["attachments"] + world.hidden["attachments"],
        "rounds": world.public["rounds"],
        "documents": world.public["documents"] + world.hidden["documents"],
    }.get(segment)
    return None if values is None else [str(v) for v in values]


def _operations(schema: dict) -> list[tuple[str, dict]]:
    return [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]


def _fill(world: World, path: str) -> list[str] | None:
    """Every concrete URL of a templated path, or None when a parameter has no known values."""
    parts = path.split("/")
    choices = []
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}"):
            values = _path_values(world, parts[index - 1])
            if values is None:
                return None
            choices.append(values)
        else:
            choices.append([part])
    return ["/".join(combination) for combination in product(*choices)]


def _page_through(crawler: Crawler, url: str) -> int:
    """Follow a list endpoint's `next` cursors with a small page size; the number of pages fetched."""
    pages, cursor = 0, None
    while pages < PAGES_PER_LIST:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = f"{url}?{urlencode(query)}"
        visit = crawler.fetch(page, via=url)
        pages += 1
        if visit.status != 200:
            break
        cursor = json.loads(crawler.bodies[page]).get("next")
        if not cursor:
            break
    return pages


def _json_links(body: bytes) -> list[str]:
    """Same-site API URLs inside a JSON answer (download links, `url` fields)."""
    found = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(("/api/", "http://testserver/")):
            link = same_site("/", value)
            if link:
                found.append(link)

    try:
        walk(json.loads(body))
    except ValueError:
        pass
    return found


def _crawl_api(crawler: Crawler, world: World, schema: dict) -> list[str]:
    """Call every GET operation; the operations whose path parameters could not be filled."""
    unfilled = []
    for path, operation in _operations(schema):
        if path.startswith(EXPORTS_PREFIX):
            continue  # the downloads have their own pass
        urls = _fill(world, path)
        if urls is None:
            unfilled.append(path)
            continue
        query_params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        for url in urls:
            if path == "/api/v1/audit":
                _crawl_audit(crawler, world)
                break
            crawler.fetch(url, via="openapi")
            for parameter in query_params:
                name = parameter["name"]
                values = world.filter_values.get(name) or parameter.get("schema", {}).get("enum") or []
                if not values and name != "cursor":
                    world.notes.append(f"{path}: no test values for the query parameter {name!r}")
                for value in values:
                    crawler.fetch(f"{url}?{urlencode({name: value})}", via=url)
            if {"cursor", "limit"} <= {p["name"] for p in query_params}:
                _page_through(crawler, url)
    for url, body in list(crawler.bodies.items()):
        for link in _json_links(body):
            if crawler.skip is None or not crawler.skip(link):
                crawler.fetch(link, via=url)
    return unfilled


def _crawl_audit(crawler: Crawler, world: World) -> None:
    """The audit timeline of every project, report, file and round, public or hidden; of a few plan objects and
    organisations (public data whose timelines are tested elsewhere)."""
    kinds = {
        "project": world.public["projects"] + world.hidden["projects"],
        "report": world.public["reports"] + world.hidden["reports"],
        "attachment": world.public["attachments"] + world.hidden["attachments"],
        "round": world.public["rounds"],
        "organisation": world.public["organisation_ids"][:5],
        "node": world.public["nodes"][:5],
        "indicator": world.public["indicators"][:5],
    }
    for kind, ids in kinds.items():
        for pk in ids:
            crawler.fetch(f"/api/v1/audit?object={kind}:{pk}", via="openapi")  # as the API's own links write it


def _export_urls(schema: dict) -> list[str]:
    """Every download under /api/v1/exports/: in the OpenAPI document, in the URLconf, or named by PRODUCT.md."""
    urls = {path for path, _operation in _operations(schema) if path.startswith(EXPORTS_PREFIX) and "{" not in path}
    urls |= {EXPORTS_PREFIX + name for name in KNOWN_EXPORTS}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif "exports/" in prefix + route and "<" not in route and "(?P" not in route:
                urls.add("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(url for url in urls if url.startswith(EXPORTS_PREFIX))


def _crawl_exports(crawler: Crawler, world: World, schema: dict) -> tuple[list[str], list[str]]:
    """Fetch every download without and with filters; (present, missing) download URLs."""
    present, missing = [], []
    filters = [{}, {"status": "draft"}, {"status": "approved"}, {"basis": "review"}, {"fiscal_year": "2569"}]
    filters += [{"organisation": world.filter_values["organisation"][0]}, {"q": world.filter_values["q"][0]}]
    for url in _export_urls(schema):
        if crawler.fetch(url, via="exports").status == 404:
            missing.append(url)
            continue
        present.append(url)
        for query in filters[1:]:
            crawler.fetch(f"{url}?{urlencode(query)}", via=url)
    return present, missing


@dataclass
class Crawl:
    world: World
    crawler: Crawler
    exhausted: bool
    seeded: list[str]
    unfilled: list[str]
    exports: list[str]
    missing_exports: list[str]
    hidden_urls: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo, add the missing secrets, and crawl everything anonymously, once for the module; all of it in a
    transaction rolled back at the end."""
    media = tmp_path_factory.mktemp("privacy-media")
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        # The anonymous rate limit (API_ANON_RATE) would answer most of the crawl with 429: off for it.
        override_settings(PASSWORD_HASHERS=fast_hashing, MEDIA_ROOT=media, API_ANON_RATE="0"),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        demo_load()
        noted = _add_missing_secrets()
        world = _collect()
        world.noted = noted
        cache.clear()  # nothing cached by another module's data
        crawler = Crawler(Scanner(world.secrets, world.byte_secrets), skip=_other_node(world))
        seeds = ["/", "/frameworks/", "/dashboard/", "/rules/", "/organisations/", "/projects/", "/rounds/"]
        seeds += ["/downloads/", *_parameterless_routes()]
        exhausted = crawler.crawl(dict.fromkeys(seeds), **CRAWL_LIMITS)
        seeded = [url for url in _page_urls(world) if url not in crawler.visits]
        exhausted = crawler.crawl(seeded, **CRAWL_LIMITS) and exhausted
        crawler.fetch("/api/v1/", via="(seed)")
        crawler.fetch("/api/v1/openapi.json", via="(seed)")
        schema = json.loads(crawler.bodies["/api/v1/openapi.json"])
        unfilled = _crawl_api(crawler, world, schema)
        exports, missing_exports = _crawl_exports(crawler, world, schema)
        hidden_urls = _hidden_urls(world)
        for url, (_what, twin) in hidden_urls.items():
            crawler.fetch(url, via="(hidden item)")
            crawler.fetch(twin, via="(missing item)")
        yield Crawl(world, crawler, exhausted, seeded, unfilled, exports, missing_exports, hidden_urls)
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------------------------------
# The tests.


def _leaks(crawl: Crawl, kind: str) -> list[str]:
    return [str(leak) for leak in crawl.crawler.leaks if crawl.crawler.visits[leak.url].kind == kind]


def test_every_kind_of_secret_is_present(crawl):
    """The crawl proves something only if the database holds a distinctive secret of every kind."""
    labels = "\n".join(crawl.world.secrets.values())
    for kind in (
        "of draft project",
        "of returned project",
        "of submitted project",
        "of approved project",
        "responsible_name",
        "responsible_position",
        "responsible_email",
        "responsible_phone",
        "of draft report",
        "of submitted report",
        "of approved report",
        "of returned report",
        "return reason on Project",
        "return reason on ProgressReport",
        "return reason in the audit log",
        "unlock reason in the audit log",
        "draft text replaced",
        "name of hidden file",
        "e-mail of user",
        "username of user",
        "name of user",
    ):
        assert kind in labels, f"no distinctive secret {kind!r}; dropped: {crawl.world.dropped}"
    assert len(crawl.world.byte_secrets) == 3
    assert crawl.world.hidden["attachments"] and crawl.world.public["attachments"]


def test_the_crawl_covers_the_demo(crawl):
    visits = crawl.crawler.visits.values()
    pages = [v for v in visits if v.kind == "page" and v.status == 200]
    api = [v for v in visits if v.kind == "api" and v.status == 200]
    assert crawl.exhausted, f"the page limit {PAGE_LIMIT} was hit before the crawl ran out of links"
    assert len(pages) >= 400, len(pages)
    assert len(api) >= 500, len(api)
    for url in _page_urls(crawl.world):
        assert crawl.crawler.visits[url].status == 200, (url, crawl.crawler.visits[url])
    assert not crawl.unfilled, f"teach the privacy crawl values for the path parameters of {crawl.unfilled}"
    assert not crawl.world.notes, f"teach the privacy crawl values for these filters: {crawl.world.notes}"
    downloads = [v for v in visits if v.kind == "download" and v.status == 200]
    assert len(downloads) >= len(crawl.exports), "every download present is fetched (and then with filters)"
    public_attachment = reverse("projects:attachment", args=[crawl.world.public["attachments"][0]])
    assert crawl.crawler.visits[public_attachment].status == 200  # the downloads of public files are scanned too


def test_no_server_errors(crawl):
    errors = [f"{v.status} {v.url} (from {v.via}) {v.error}" for v in crawl.crawler.visits.values() if v.status >= 500]
    assert not errors, "\n".join(errors)


def test_no_secret_on_any_page(crawl):
    leaks = _leaks(crawl, "page")
    assert not leaks, "\n".join(leaks)


def test_no_secret_in_any_api_answer(crawl):
    leaks = _leaks(crawl, "api")
    assert not leaks, "\n".join(leaks)


def test_no_secret_in_any_download(crawl):
    leaks = _leaks(crawl, "download")
    assert not leaks, "\n".join(leaks)


def test_hidden_items_answer_like_missing_ones(crawl):
    """A hidden item's address answers 404 — or, for the report pages, which send signed-out visitors to sign in
    for any report they cannot see, exactly what a report that does not exist gets; never 403 or the item."""
    wrong = []
    for url, (what, twin) in crawl.hidden_urls.items():
        visit, missing = crawl.crawler.visits[url], crawl.crawler.visits[twin]
        same_as_missing = (visit.status, visit.location.split("?")[0]) == (
            missing.status,
            missing.location.split("?")[0],
        )
        if visit.status != 404 and not (visit.kind == "page" and visit.status == 302 and same_as_missing):
            wrong.append(f"{visit.status} {url} ({what}); a missing id gets {missing.status}")
    assert not wrong, "\n".join(wrong)


def test_no_public_page_links_to_a_hidden_item(crawl):
    hidden = set(crawl.hidden_urls)
    linked = [f"{v.url} links to {link}" for v in crawl.crawler.visits.values() for link in v.links if link in hidden]
    assert not linked, "\n".join(linked)


def test_those_who_may_see_drafts_still_see_the_working_notes(crawl):
    """The public's audit timeline of a project or report shows what happened and when, not the snapshots or the
    reasons; the owner's staff and the reviewer still see them (the API and the pages hide no more than they must)."""
    project, report, approved = (crawl.world.noted[key] for key in ("project", "report", "approved report"))
    anonymous = Client()
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="reporter.mfa"))
    reviewer = Client()
    reviewer.force_login(get_user_model().objects.get(username="reviewer.nesdc"))

    public = anonymous.get(f"/api/v1/audit?object=project:{project}").json()["results"]
    assert "unlock" in {entry["action"] for entry in public}
    assert all(entry["before"] is None and entry["after"] is None and entry["reason"] == "" for entry in public)
    assert {"status"} <= {field for entry in public for field in entry["changed_fields"]}
    own = staff.get(f"/api/v1/audit?object=project:{project}").json()["results"]
    assert {UNLOCK_PROJECT, RETURN_PROJECT} <= {entry["reason"] for entry in own}
    assert any((entry["after"] or {}).get("responsible_email") for entry in own)

    assert anonymous.get(f"/api/v1/reports/{approved}").json()["return_reason"] == ""
    assert reviewer.get(f"/api/v1/reports/{approved}").json()["return_reason"] == ""  # spent on acceptance
    timeline = {entry["reason"] for entry in reviewer.get(f"/api/v1/audit?object=report:{approved}").json()["results"]}
    assert UNLOCK_APPROVED in timeline
    page = reverse("reporting:report_detail", args=[report])
    assert UNLOCK_REPORT not in anonymous.get(page).content.decode()
    assert UNLOCK_REPORT in staff.get(page).content.decode()


SCANNED_SECRET = "ผู้ประสานงาน ตัวอย่าง & ลับ"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (f"<p>{SCANNED_SECRET.replace('&', '&amp;')}</p>".encode(), "text/html"),
        (json.dumps({"name": SCANNED_SECRET}).encode(), "application/json"),  # \\uXXXX escapes
        (f'<a href="/projects/?{urlencode({"q": SCANNED_SECRET})}">'.encode(), "text/html"),  # percent-encoded
        (f"code,name\r\nx,{SCANNED_SECRET}\r\n".encode("utf-8-sig"), "text/csv"),  # with a BOM
    ],
    ids=["html-entities", "json-escapes", "percent-encoded-link", "csv-with-bom"],
)
def test_the_scanner_finds_an_escaped_secret(body, content_type):
    leaks = Scanner({SCANNED_SECRET: "a secret"}).scan("/x", body, content_type, {})
    assert [leak.secret for leak in leaks] == [SCANNED_SECRET]
    assert not Scanner({"ไม่มีในเนื้อหา": "absent"}).scan("/x", body, content_type, {})


def test_the_scanner_looks_inside_an_xlsx_and_at_raw_bytes():
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["code", "ชื่อโครงการลับเฉพาะ"])
    buffer = BytesIO()
    workbook.save(buffer)
    scanner = Scanner({"ชื่อโครงการลับเฉพาะ": "a secret"}, {b"\x00private-bytes": "file bytes"})
    [leak] = scanner.scan("/x.xlsx", buffer.getvalue(), "application/octet-stream", {})
    assert leak.where.startswith("xl/") and leak.where.endswith(".xml")  # found in a part, not in the zipped body
    leaks = scanner.scan("/f", b"head\x00private-bytes tail", "text/plain", {})
    assert [leak.label for leak in leaks] == ["file bytes"]
