"""The candidate-duplicate page, marking a pair (htmx and plain POST), and `GET /api/v1/projects/{id}/similar`, each
for anonymous visitors, the wrong role, the wrong organisation and the right role."""

import pytest
from django.core.management import call_command

from tidtam.api.tests.helpers import bearer_client
from tidtam.core.testing import client_for
from tidtam.evaluation.models import DuplicateReview, Verdict

pytestmark = pytest.mark.django_db

PAGE = "/review/duplicates/"
MARK = "/review/duplicates/mark/"
API = "/api/v1"


@pytest.fixture
def scanned(dups):
    call_command("duplicates", "scan")
    return dups


def _pair(dups):
    a, b = sorted((dups.projects["sea_mfa"].pk, dups.projects["sea_mod"].pk))
    return {"project_a": a, "project_b": b}


# ------------------------------------------------------------------------------------------------ the page


def test_anonymous_visitors_are_sent_to_sign_in(scanned):
    response = client_for(None).get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    response = client_for(None).post(MARK, {**_pair(scanned), "verdict": "duplicate"})
    assert response.status_code == 302 and not DuplicateReview.objects.exists()


@pytest.mark.parametrize("person", ["reporter", "other_reporter", "oversight"])
def test_other_roles_may_not_open_the_page_or_mark(scanned, person):
    client = client_for(getattr(scanned, person))
    response = client.get(PAGE)
    assert response.status_code == 403 and "คุณไม่มีสิทธิ์ดำเนินการนี้" in response.content.decode()
    response = client.post(MARK, {**_pair(scanned), "verdict": "duplicate"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert not DuplicateReview.objects.exists()


def test_the_reviewer_sees_the_pairs_side_by_side_with_reasons(scanned, django_assert_max_num_queries):
    client = client_for(scanned.reviewer)
    client.get(PAGE)  # sessions, memberships and the like warmed
    with django_assert_max_num_queries(12):
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "โครงการที่อาจซ้ำซ้อน" in html and "คะแนน" in html
    assert "dup-sea-mfa" in html and "dup-sea-mod" in html and "dup-draft" in html  # reviewers see drafts
    assert "ชื่อคล้ายกัน" in html and "จังหวัดเดียวกัน: สงขลา, สตูล" in html
    assert html.count('class="duplicate-pair"') >= 1
    for verdict in Verdict:
        assert f'value="{verdict.value}"' in html
    assert 'hx-post="/review/duplicates/mark/"' in html


def test_filters_and_the_htmx_list(scanned):
    client = client_for(scanned.reviewer)
    html = client.get(PAGE, {"fiscal_year": "๒๕๗๐"}).content.decode()
    assert "ไม่มีคู่โครงการที่รอพิจารณา" in html
    response = client.get(PAGE, {"fiscal_year": "2568", "organisation": "mod"}, headers={"HX-Request": "true"})
    partial = response.content.decode()
    assert response.status_code == 200 and partial.lstrip().startswith('<div id="duplicate-list">')
    assert "dup-sea-mod" in partial and "<html" not in partial
    bad = client.get(PAGE, {"fiscal_year": "abc"}).content.decode()
    assert "dup-sea-mod" in bad  # an invalid filter filters nothing and says why
    assert "field-error" in bad


def test_the_reviewer_marks_a_pair_with_htmx_and_distinct_pairs_leave_the_queue(scanned):
    client = client_for(scanned.reviewer)
    response = client.post(
        MARK, {**_pair(scanned), "verdict": "related", "reason": "ทำงานร่วมกันได้"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="verdict-' in html and "<html" not in html
    assert "บันทึกผลการพิจารณาแล้ว" in html and "เกี่ยวข้อง" in html
    review = DuplicateReview.objects.get()
    assert review.verdict == Verdict.RELATED and review.reason == "ทำงานร่วมกันได้" and review.version == 1
    assert 'name="version" value="1"' in html  # the next mark names the version it saw
    # a stale version comes back inside the box, nothing changes
    stale = client.post(
        MARK, {**_pair(scanned), "verdict": "duplicate", "version": "5"}, headers={"HX-Request": "true"}
    )
    assert stale.status_code == 200 and "alert-error" in stale.content.decode()
    assert DuplicateReview.objects.get().verdict == Verdict.RELATED
    # the plain form (no JavaScript) marks distinct and comes back to the queue, where the pair is gone
    response = client.post(MARK, {**_pair(scanned), "verdict": "distinct", "version": "1", "next": PAGE})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert DuplicateReview.objects.get().verdict == Verdict.DISTINCT
    html = client.get(PAGE).content.decode()
    assert 'id="pair-{project_a}-{project_b}"'.format(**_pair(scanned)) not in html


def test_marking_refuses_bad_input(scanned):
    client = client_for(scanned.reviewer)
    response = client.post(MARK, {**_pair(scanned), "verdict": "maybe"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "alert-error" in response.content.decode()
    same = {"project_a": scanned.projects["sea_mfa"].pk, "project_b": scanned.projects["same_org"].pk}
    response = client.post(MARK, {**same, "verdict": "duplicate"}, headers={"HX-Request": "true"})
    assert "หน่วยงานเดียวกัน" in response.content.decode()
    response = client.post(MARK, {"project_a": 999_999, "project_b": 1, "verdict": "duplicate"})
    assert response.status_code == 404
    response = client.post(MARK, {**_pair(scanned), "verdict": "duplicate", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert client.get(MARK).status_code == 405


def test_the_reviewer_page_links_to_the_queue(scanned):
    html = client_for(scanned.reviewer).get("/review/").content.decode()
    assert 'href="/review/duplicates/"' in html


# ------------------------------------------------------------------------------------------------ the API


def _similar(client, project, **params):
    return client.get(f"{API}/projects/{project.pk}/similar", params)


def test_api_answers_with_the_documented_shape(scanned):
    response = _similar(client_for(None), scanned.projects["sea_mfa"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body, list) and body
    first = body[0]
    assert set(first) == {"project", "score", "parts", "reasons", "verdict"}
    assert first["project"]["code"] == "dup-sea-mod"
    assert set(first["project"]) == {
        "id",
        "code",
        "name",
        "name_en",
        "organisation",
        "fiscal_year_start",
        "fiscal_year_end",
    }
    assert first["project"]["organisation"]["code"] == "mod-div"
    assert set(first["parts"]) == {"name", "text", "places", "partners", "budget"}
    assert 0 < first["score"] <= 1 and first["reasons"][0].startswith("ชื่อคล้ายกัน")
    assert first["verdict"] is None


@pytest.mark.parametrize(
    ("person", "sees_draft_candidate", "may_ask_about_draft"),
    [
        ("anonymous", False, False),
        ("reporter", False, False),  # the foreign ministry: the defence draft is not theirs
        ("other_reporter", True, True),  # the draft's own ministry
        ("oversight", False, False),
        ("reviewer", True, True),
    ],
)
def test_api_visibility_per_caller(scanned, person, sees_draft_candidate, may_ask_about_draft):
    clients = [client_for(None)] if person == "anonymous" else [client_for(getattr(scanned, person))]
    if person != "anonymous":
        clients.append(bearer_client(getattr(scanned, person)))
    for client in clients:
        found = {row["project"]["code"] for row in _similar(client, scanned.projects["sea_mfa"]).json()}
        assert ("dup-draft" in found) is sees_draft_candidate
        assert "dup-same-org" not in found and "dup-old" not in found
        draft = _similar(client, scanned.projects["draft"])
        assert draft.status_code == (200 if may_ask_about_draft else 404)
        if draft.status_code == 404:
            assert draft.json()["code"] == "project_not_found"


def test_api_parameters_and_the_verdict(scanned):
    client = client_for(scanned.reviewer)
    assert len(_similar(client, scanned.projects["sea_mfa"], limit=1).json()) == 1
    assert _similar(client, scanned.projects["sea_mfa"], min_score=1).json() == []
    assert _similar(client, scanned.projects["sea_mfa"], limit=0).status_code == 400
    assert _similar(client, scanned.projects["sea_mfa"], min_score=2).status_code == 400
    assert client.get(f"{API}/projects/999999/similar").status_code == 404
    client.post(MARK, {**_pair(scanned), "verdict": "duplicate"})
    first = _similar(client, scanned.projects["sea_mod"]).json()[0]
    assert first["project"]["code"] == "dup-sea-mfa" and first["verdict"] == "duplicate"
