"""The organisation directory (tree, kind filter, live search with htmx) and organisation pages."""

import pytest
from django.urls import reverse

from tidtam.accounts.choices import Role
from tidtam.core.testing import client_for, member
from tidtam.organisations import services
from tidtam.organisations.choices import OrganisationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs():
    """MFA → its permanent secretary's office → a division, and a separate central agency; created by services."""
    mfa = services.organisation_create(
        actor=None,
        code="mfa",
        name_th="กระทรวงการต่างประเทศ",
        name_en="Ministry of Foreign Affairs",
        abbreviation_th="กต.",
        abbreviation_en="MFA",
        kind=OrganisationKind.MINISTRY,
        website="https://www.mfa.go.th/",
    )
    office = services.organisation_create(
        actor=None, code="mfa-ps", name_th="สำนักงานปลัดกระทรวงการต่างประเทศ", kind=OrganisationKind.DEPARTMENT, parent=mfa
    )
    division = services.organisation_create(
        actor=None,
        code="mfa-ps-policy",
        name_th="กองนโยบายและแผน",
        name_en="Policy and Planning Division",
        kind=OrganisationKind.DIVISION,
        parent=office,
    )
    nesdc = services.organisation_create(
        actor=None,
        code="nesdc",
        name_th="สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ",
        abbreviation_th="สศช.",
        kind=OrganisationKind.CENTRAL_AGENCY,
    )
    return {"mfa": mfa, "office": office, "division": division, "nesdc": nesdc}


@pytest.fixture
def people(orgs):
    return {
        None: None,
        "reporter": member(Role.REPORTER, orgs["division"], username="somchai", first_name="สมชาย"),
        "reviewer": member(Role.REVIEWER, orgs["nesdc"], username="somying", first_name="สมหญิง"),
    }


@pytest.mark.parametrize("role", [None, "reporter", "reviewer"])
def test_directory_and_organisation_pages_are_public(orgs, people, role):
    client = client_for(people[role])
    assert client.get(reverse("organisations:list")).status_code == 200
    for organisation in orgs.values():
        assert client.get(reverse("organisations:detail", args=[organisation.code])).status_code == 200


def test_directory_shows_the_tree_indented_with_kind_labels(orgs):
    html = client_for(None).get(reverse("organisations:list")).content.decode()
    assert (
        html.index("กระทรวงการต่างประเทศ") < html.index("สำนักงานปลัดกระทรวงการต่างประเทศ") < html.index("กองนโยบายและแผน")
    )
    assert '<li class="indent-0">' in html and '<li class="indent-1">' in html and '<li class="indent-2">' in html
    assert "กระทรวง / Ministry" in html and "กอง / Division" in html
    assert "(กต.)" in html and "4 หน่วยงาน" in html
    # the live search and the kind filter are htmx-enhanced parts of a plain GET form
    assert 'method="get"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html and 'hx-target="#org-results"' in html


def test_search_and_kind_filter_without_javascript(orgs):
    client = client_for(None)
    html = client.get(reverse("organisations:list"), {"q": "นโยบาย"}).content.decode()
    assert "กองนโยบายและแผน" in html and "สศช." not in html
    assert 'value="นโยบาย"' in html and "<html" in html
    html = client.get(reverse("organisations:list"), {"kind": OrganisationKind.CENTRAL_AGENCY}).content.decode()
    assert "สศช." in html and "กองนโยบายและแผน" not in html
    assert f'<option value="{OrganisationKind.CENTRAL_AGENCY}" selected>' in html
    html = client.get(reverse("organisations:list"), {"q": "ไม่มีหน่วยงานนี้"}).content.decode()
    assert "ไม่พบหน่วยงานที่ตรงกัน" in html
    # an unknown kind is ignored rather than emptying the list
    html = client.get(reverse("organisations:list"), {"kind": "nonsense"}).content.decode()
    assert "4 หน่วยงาน" in html


def test_htmx_search_returns_only_the_results(orgs):
    response = client_for(None).get(reverse("organisations:list"), {"q": "กต."}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert "กระทรวงการต่างประเทศ" in html and "กองนโยบายและแผน" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(orgs):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = client_for(None).get(reverse("organisations:list"), {"q": "MFA"}, headers=headers).content.decode()
    assert "<html" in html and "<form" in html


def test_organisation_page_shows_names_place_in_tree_and_timeline_but_no_members(orgs, people):
    url = reverse("organisations:detail", args=["mfa-ps"])
    html = client_for(None).get(url).content.decode()
    assert "สำนักงานปลัดกระทรวงการต่างประเทศ" in html
    assert 'href="/organisations/mfa/"' in html  # parent
    assert 'href="/organisations/mfa-ps-policy/"' in html  # child unit
    assert "สร้าง" in html  # the create entry in the timeline
    html = client_for(None).get(reverse("organisations:detail", args=["mfa"])).content.decode()
    assert "Ministry of Foreign Affairs" in html and "กต." in html and "MFA" in html
    assert 'href="https://www.mfa.go.th/"' in html
    division = client_for(people["reviewer"]).get(reverse("organisations:detail", args=["mfa-ps-policy"]))
    assert "somchai" not in division.content.decode() and "สมชาย" not in division.content.decode()


def test_timeline_names_actors_only_for_audit_viewers(orgs, people):
    admin = member(Role.ADMIN, orgs["nesdc"], first_name="ผู้ดูแล", last_name="ระบบ")
    office = orgs["office"]
    services.organisation_update(actor=admin, organisation=office, version=office.version, name_en="Office of PS")
    url = reverse("organisations:detail", args=["mfa-ps"])
    assert "ผู้ดูแล ระบบ" not in client_for(None).get(url).content.decode()
    assert "ผู้ดูแล ระบบ" not in client_for(people["reporter"]).get(url).content.decode()
    html = client_for(people["reviewer"]).get(url).content.decode()
    assert "ผู้ดูแล ระบบ" in html and "<code>name_en</code>" in html


def test_unknown_organisation_is_404(orgs):
    assert client_for(None).get(reverse("organisations:detail", args=["nope"])).status_code == 404


def test_directory_query_count_is_bounded(orgs, django_assert_max_num_queries):
    parent = orgs["office"]
    for i in range(20):
        services.organisation_create(
            actor=None, code=f"div-{i}", name_th=f"กอง {i}", kind=OrganisationKind.DIVISION, parent=parent
        )
    with django_assert_max_num_queries(3):
        response = client_for(None).get(reverse("organisations:list"))
    assert "24 หน่วยงาน" in response.content.decode()
