"""Anonymous vs signed-in visibility on every GET endpoint of /api/v1 (issue 5: "open by default", never more).

One world holds projects and reports of two ministries in every workflow state (draft, returned, submitted, approved,
accepted), files public and not, and personal contact data. Every text that only some callers may read carries a
token naming who may: the anonymous public reads accepted data only (and no responsible person's contact), a reporter
of `mfa` also everything of their subtree, oversight approved and accepted data of everyone. Each endpoint of the
OpenAPI document is called by every caller, with its ids filled from the world, and

- no answer may hold a token its caller may not read (JSON, CSV, JSON Lines, XML, and the sheets inside XLSX),
- lists hold exactly the visible items (walking every page), details answer 404 for the hidden ones,
- anonymous answers never carry a workflow status other than `accepted` nor a responsible person's field.

`test_every_get_endpoint_is_covered` fails when the OpenAPI document gains a GET endpoint that `ENDPOINTS` does not
check, or loses one it does.
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, bearer_client
from tidtam.core.testing import (
    TARGET_LEVELS,
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    ReportFactory,
    RoundFactory,
    client_for,
    member,
)
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.organisations.choices import OrganisationKind
from tidtam.projects.models import Attachment, BudgetLine, Contribution
from tidtam.reporting.models import ReportIndicatorValue
from tidtam.search.indexing import rebuild as search_rebuild
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db

ANONYMOUS, REPORTER, OVERSIGHT = "anonymous", "reporter", "oversight"
ROLES = (ANONYMOUS, REPORTER, OVERSIGHT)
SIGNED_IN = (REPORTER, OVERSIGHT)
ORGS = ("mfa", "mod")  # the reporter works in mfa
LABELS = ("draft", "returned", "submitted", "approved", "accepted")
STATUS = {
    "draft": S.DRAFT,
    "returned": S.DRAFT,  # a returned item is a draft again, with the reason
    "submitted": S.SUBMITTED,
    "approved": S.APPROVED,
    "accepted": S.ACCEPTED,
}
PRIVATE_FIELDS = ("responsible_name", "responsible_position", "responsible_email", "responsible_phone")
FY = 2568


def sees(role: str, org: str, label: str) -> bool:
    """Whether `role` may see a project or report of `org` in state `label`."""
    if role == ANONYMOUS:
        return label == "accepted"
    if role == OVERSIGHT:
        return label in ("approved", "accepted")
    return org == "mfa" or label == "accepted"


def sees_drafts(role: str, org: str) -> bool:
    """Whether `role` may see `org`'s drafts, and so its responsible people's contact data."""
    return role == REPORTER and org == "mfa"


def token(*parts: str) -> str:
    """A marker no other marker contains: `ZQ` + parts + `QZ`."""
    return "ZQ" + "".join(parts) + "QZ"


@dataclass
class World:
    framework: str
    orgs: dict
    nodes: dict
    indicator: object
    rounds: list
    projects: dict  # (org, label) → Project
    reports: dict  # (org, label) → ProgressReport (of the org's accepted project)
    attachments: dict  # name → (Attachment, roles that may download it)
    readers: dict = field(default_factory=dict)  # marker → roles that may read it

    def visible_projects(self, role: str) -> set[int]:
        return {p.pk for (org, label), p in self.projects.items() if sees(role, org, label)}

    def visible_reports(self, role: str, project=None) -> set[int]:
        return {
            r.pk
            for (org, label), r in self.reports.items()
            if sees(role, org, label) and (project is None or r.project_id == project.pk)
        }


def _round(quarter: int, fiscal_year: int = FY):
    start_month = {1: 10, 2: 1, 3: 4, 4: 7}[quarter]
    year = fiscal_year - 543 - (1 if quarter == 1 else 0)
    end_month = start_month + 2
    end_day = {12: 31, 3: 31, 6: 30, 9: 30}[end_month]
    return RoundFactory(
        fiscal_year=fiscal_year,
        quarter=quarter,
        period_start=date(year, start_month, 1),
        period_end=date(year, end_month, end_day),
        opens_on=date(year, end_month, 15),
        deadline=date(year + (1 if end_month == 12 else 0), end_month % 12 + 1, 28),
    )


@pytest.fixture
def world(db, settings) -> World:
    settings.API_ANON_RATE = "0"  # hundreds of anonymous requests from one address
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="vis"), levels=TARGET_LEVELS, label="1")
    strategy = NodeFactory(framework_version=version, code="1")
    target = NodeFactory(framework_version=version, parent=strategy, code="101")
    indicator = IndicatorFactory(node=target, code="VIS-1")
    mfa = OrganisationFactory(code="mfa")
    orgs = {
        "mfa": mfa,
        "mfa-div": OrganisationFactory(code="mfa-div", parent=mfa),
        "mod": OrganisationFactory(code="mod"),
        "senate": OrganisationFactory(code="senate", kind=OrganisationKind.INDEPENDENT_BODY),
    }
    rounds = [_round(q) for q in (1, 2, 3, 4)] + [_round(1, FY + 1)]
    readers: dict[str, set[str]] = {}

    def readable(marker: str, roles: Iterable[str]) -> str:
        readers[marker] = set(roles)
        return marker

    projects, reports = {}, {}
    for org in ORGS:
        owner = orgs["mfa-div"] if org == "mfa" else orgs[org]  # the reporter's subtree, not only their own unit
        for label in LABELS:
            who = [role for role in ROLES if sees(role, org, label)]
            private = [role for role in ROLES if sees_drafts(role, org)]
            project = ProjectFactory(
                owner=owner,
                code=f"{org}-{label}",
                status=STATUS[label],
                name_th=f"โครงการ {readable(token('name', org, label), who)}",
                objectives=readable(token("objectives", org, label), who),
                return_reason=readable(token("reason", org, label), who) if label == "returned" else "",
                responsible_name=readable(token("person", org, label), private),
                responsible_position=readable(token("position", org, label), private),
                responsible_email=readable(token("mail", org, label).lower() + "@example.org", private),
                responsible_phone=readable(token("phone", org, label), private),
            )
            BudgetLine.objects.create(project=project, fiscal_year=FY, source="budget", amount=Decimal("100000"))
            Contribution.objects.create(project=project, node=target, is_primary=True)
            projects[org, label] = project
    for org in ORGS:
        accepted = projects[org, "accepted"]
        for label, round_ in zip(LABELS, rounds, strict=True):
            who = [role for role in ROLES if sees(role, org, label)]
            report = ReportFactory(
                project=accepted,
                round=round_,
                status=STATUS[label],
                results=readable(token("results", org, label), who),
                problems=readable(token("problems", org, label), who),
                return_reason=readable(token("rreason", org, label), who) if label == "returned" else "",
            )
            ReportIndicatorValue.objects.create(
                report=report,
                indicator=indicator,
                value=Decimal("10"),
                note=readable(token("note", org, label), who),
            )
            reports[org, label] = report

    attachments = {}

    def attach(name: str, project, is_public: bool, who: set[str]):
        marker = readable(token("file", name), who)
        content = readable(token("content", name), who).encode()
        attachment = Attachment.objects.create(
            project=project,
            file=ContentFile(content, name=f"{marker}.txt"),
            original_name=f"{marker}.txt",
            content_type="text/plain",
            size=len(content),
            sha256="0" * 64,
            is_public=is_public,
        )
        attachments[name] = (attachment, who)

    attach("public", projects["mfa", "accepted"], True, set(ROLES))
    attach("private", projects["mfa", "accepted"], False, {REPORTER, OVERSIGHT})  # working file: chain + oversight
    attach("draftpublic", projects["mfa", "draft"], True, {REPORTER})  # public only once the project is accepted
    attach("modprivate", projects["mod", "accepted"], False, {OVERSIGHT})
    rollups_rebuild()
    search_rebuild()  # the factories bypass the services, so the index is built here
    nodes = {"1": strategy, "101": target}
    return World("vis", orgs, nodes, indicator, rounds, projects, reports, attachments, readers)


@pytest.fixture
def callers(world) -> list[tuple[str, Client]]:
    reporter = member(Role.REPORTER, world.orgs["mfa"], username="vis.reporter")
    oversight = member(Role.OVERSIGHT, world.orgs["senate"], username="vis.oversight")
    return [
        (ANONYMOUS, Client()),
        (REPORTER, bearer_client(reporter)),
        (REPORTER, client_for(reporter)),  # the session, as the interactive docs use it
        (OVERSIGHT, bearer_client(oversight)),
    ]


# --------------------------------------------------------------------------------------------------- reading answers


def body_text(response) -> str:
    """Everything a caller can read in an answer: the body (streamed or not; the sheets and strings of an XLSX) and
    the headers (a file name is a header)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # an Office Open XML file
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return f"{headers}\n{raw.decode('utf-8', errors='replace')}"


def walk(value) -> Iterable[dict]:
    """Every JSON object inside a decoded JSON value."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def check_answer(world: World, role: str, url: str, response, text: str) -> None:
    """What holds for every answer: no marker the role may not read; for the public, no workflow status but
    `accepted` and no responsible person's field with a value."""
    leaked = sorted(marker for marker, roles in world.readers.items() if role not in roles and marker in text)
    assert not leaked, (role, url, leaked)
    hidden = {ANONYMOUS: {"draft", "submitted", "approved"}, OVERSIGHT: {"draft", "submitted"}}.get(role, set())
    if response.get("Content-Type", "").startswith("application/json") and response.status_code == 200:
        for obj in walk(json.loads(response.content)):
            status = obj.get("status")
            if isinstance(status, dict) and "label" in status:
                assert status.get("code") not in hidden, (role, url, obj.get("id"), status)
            if role == ANONYMOUS:
                assert all(obj.get(name) is None for name in PRIVATE_FIELDS), (url, obj)


# --------------------------------------------------------------------------------------------------- the endpoints


@dataclass
class Call:
    """One URL to GET and the status each role must get (`None`: any, checked by the generic rules only)."""

    url: str
    expect: Callable[[str], int | None]
    check: Callable[[World, str, dict], None] | None = None  # extra checks on a 200 JSON body


def everyone(status: int) -> Callable[[str], int]:
    return lambda role: status


def if_visible(visible: Callable[[str], bool], status: int = 200, hidden: int = 404) -> Callable[[str], int]:
    return lambda role: status if visible(role) else hidden


def signed_in_only(role: str) -> int | None:
    return 401 if role == ANONYMOUS else 200


def _completeness(role: str) -> int:
    """Counts of who reported what: coordinators, reviewers and oversight; a sign-in first."""
    return {ANONYMOUS: 401, REPORTER: 403, OVERSIGHT: 200}[role]


def _list_pages(client: Client, url: str) -> list[dict]:
    """Every row of a cursor-paged list, walking the pages."""
    rows, cursor = [], None
    for _ in range(100):
        answer = client.get(f"{API}{url}" + (f"&cursor={cursor}" if cursor else ""))
        assert answer.status_code == 200, answer.content
        body = answer.json()
        rows.extend(body["results"])
        cursor = body["next"]
        if cursor is None:
            return rows
    raise AssertionError("the pages never end")


def _check_project_list(world: World, role: str, client: Client) -> None:
    rows = _list_pages(client, "/projects?limit=3")
    assert {row["id"] for row in rows} == world.visible_projects(role), role
    assert len(rows) == len({row["id"] for row in rows})


def _check_report_list(world: World, role: str, client: Client) -> None:
    rows = _list_pages(client, "/reports?limit=3")
    assert {row["id"] for row in rows} == world.visible_reports(role), role


def _check_organisation_list(world: World, role: str, client: Client) -> None:
    rows = _list_pages(client, "/organisations?limit=2")
    assert {row["code"] for row in rows} >= set(world.orgs), role


def _project_details(world: World) -> list[Call]:
    return [
        Call(f"/projects/{p.pk}", if_visible(lambda role, org=org, label=label: sees(role, org, label)))
        for (org, label), p in world.projects.items()
    ]


def _project_reports(world: World) -> list[Call]:
    calls = []
    for (org, label), p in world.projects.items():

        def check(world, role, body, project=p):
            assert {row["id"] for row in body["results"]} == world.visible_reports(role, project), role

        calls.append(
            Call(f"/projects/{p.pk}/reports", if_visible(lambda role, o=org, lb=label: sees(role, o, lb)), check)
        )
    return calls


def _report_details(world: World) -> list[Call]:
    return [
        Call(f"/reports/{r.pk}", if_visible(lambda role, org=org, label=label: sees(role, org, label)))
        for (org, label), r in world.reports.items()
    ]


def _audit(world: World) -> list[Call]:
    calls = [Call(f"/audit?object=node:{world.nodes['101'].pk}", everyone(200))]
    for (org, label), p in world.projects.items():
        calls.append(Call(f"/audit?object=project:{p.pk}", if_visible(lambda role, o=org, lb=label: sees(role, o, lb))))
    for (org, label), r in world.reports.items():
        calls.append(Call(f"/audit?object=report:{r.pk}", if_visible(lambda role, o=org, lb=label: sees(role, o, lb))))
    return calls


def _attachments(world: World) -> list[Call]:
    return [
        Call(f"/attachments/{attachment.pk}", if_visible(lambda role, who=who: role in who))
        for attachment, who in world.attachments.values()
    ]


def _dashboard(world: World) -> list[Call]:
    def check(world, role, body):
        counted = {"public": ("accepted",), "review": ("approved", "accepted")}[body["basis"]]
        assert body["basis"] == ("review" if role == OVERSIGHT else "public"), role
        assert body["total"]["projects"] == len(counted) * len(ORGS), (role, body["total"])

    return [Call(f"/dashboard?framework={world.framework}&fy={FY}&basis=review", everyone(200), check)]


def _search(world: World) -> list[Call]:
    def check(world, role, body):
        found = {row["id"] for row in body["results"] if row["kind"] == "project"}
        assert found == world.visible_projects(role), role

    return [
        Call("/search?q=โครงการ&kind=project&limit=100", everyone(200), check),
        Call("/search?q=โครงการ&limit=100", everyone(200)),
    ]


def _similar(world: World) -> list[Call]:
    def check(world, role, body):
        assert {row["project"]["id"] for row in body} <= world.visible_projects(role), role

    return [
        Call(f"/projects/{p.pk}/similar", if_visible(lambda role, o=org, lb=label: sees(role, o, lb)), check)
        for (org, label), p in world.projects.items()
    ]


def _exports(path: str) -> Callable[[World], list[Call]]:
    return lambda world: [Call(path, everyone(200))]


ENDPOINTS: dict[str, Callable[[World], list[Call]]] = {
    "/api/v1/me": lambda w: [Call("/me", signed_in_only)],
    "/api/v1/frameworks": lambda w: [Call("/frameworks", everyone(200))],
    "/api/v1/frameworks/{code}": lambda w: [Call(f"/frameworks/{w.framework}", everyone(200))],
    "/api/v1/frameworks/{code}/nodes": lambda w: [Call(f"/frameworks/{w.framework}/nodes", everyone(200))],
    "/api/v1/nodes/{id}": lambda w: [Call(f"/nodes/{node.pk}", everyone(200)) for node in w.nodes.values()],
    "/api/v1/indicators/{id}": lambda w: [
        Call(f"/indicators/{w.indicator.pk}", everyone(200)),
        Call(f"/indicators/{w.indicator.pk}?basis=review", everyone(200)),
    ],
    "/api/v1/organisations": lambda w: [Call("/organisations?limit=2", everyone(200))],
    "/api/v1/organisations/{code}": lambda w: [Call(f"/organisations/{code}", everyone(200)) for code in w.orgs],
    "/api/v1/audit": _audit,
    "/api/v1/projects": lambda w: [Call("/projects?limit=3", everyone(200))],
    "/api/v1/projects/{id}": _project_details,
    "/api/v1/projects/{id}/reports": _project_reports,
    "/api/v1/projects/{id}/similar": _similar,
    # Documents have their own visibility tests over pending and confirmed documents (documents/tests/test_api.py);
    # here: the list answers everyone, an unknown id is 404 for everyone.
    "/api/v1/documents": lambda w: [Call("/documents", everyone(200))],
    "/api/v1/documents/{id}": lambda w: [Call("/documents/999999", everyone(404))],
    "/api/v1/attachments/{id}": _attachments,
    "/api/v1/reports": lambda w: [Call("/reports?limit=3", everyone(200))],
    "/api/v1/reports/{id}": _report_details,
    "/api/v1/rounds": lambda w: [Call("/rounds", everyone(200))],
    "/api/v1/rounds/{id}": lambda w: [Call(f"/rounds/{r.pk}", everyone(200)) for r in w.rounds],
    "/api/v1/rounds/{id}/completeness": lambda w: [
        Call(f"/rounds/{r.pk}/completeness", _completeness) for r in w.rounds
    ],
    "/api/v1/dashboard": _dashboard,
    "/api/v1/search": _search,
    "/api/v1/exports/projects.csv": _exports("/exports/projects.csv"),
    "/api/v1/exports/projects.xlsx": _exports("/exports/projects.xlsx"),
    "/api/v1/exports/projects.jsonl": _exports("/exports/projects.jsonl"),
    "/api/v1/exports/reports.csv": _exports("/exports/reports.csv"),
    "/api/v1/exports/indicator-values.csv": _exports(f"/exports/indicator-values.csv?fiscal_year={FY}"),
    "/api/v1/exports/iati-activities.xml": _exports("/exports/iati-activities.xml"),
    "/api/v1/exports/catalog.jsonld": _exports("/exports/catalog.jsonld"),
}

# Lists walked page by page, compared with what the role may see.
PAGED_LISTS = {
    "/api/v1/projects": _check_project_list,
    "/api/v1/reports": _check_report_list,
    "/api/v1/organisations": _check_organisation_list,
}


def test_every_get_endpoint_is_covered(db):
    spec = Client().get(f"{API}/openapi.json").json()
    documented = {path for path, item in spec["paths"].items() if "get" in item}
    assert documented - set(ENDPOINTS) == set(), "GET endpoints without a visibility check: add them to ENDPOINTS"
    assert set(ENDPOINTS) - documented == set(), "ENDPOINTS checks endpoints that no longer exist"


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_each_caller_sees_what_their_role_allows(world, callers, path):
    calls = ENDPOINTS[path](world)
    assert calls
    for role, client in callers:
        for call in calls:
            response = client.get(f"{API}{call.url}")
            expected = call.expect(role)
            if expected is not None:
                assert response.status_code == expected, (role, call.url, response.status_code)
            check_answer(world, role, call.url, response, body_text(response))
            if call.check is not None and response.status_code == 200:
                call.check(world, role, response.json())
        if path in PAGED_LISTS:
            PAGED_LISTS[path](world, role, client)


def test_every_marker_is_readable_by_someone(world, callers):
    """The markers are real: each one a role may read does show up for that role somewhere (else the leak checks
    above could pass by never seeing any data at all)."""
    found: dict[str, set[str]] = {}
    urls = [call.url for build in ENDPOINTS.values() for call in build(world)]
    for role, client in callers:
        text = "\n".join(body_text(client.get(f"{API}{url}")) for url in urls)
        found[role] = {marker for marker in world.readers if marker in text}
    for marker, roles in world.readers.items():
        for role in roles:
            assert marker in found[role], (marker, role)
