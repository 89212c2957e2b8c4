"""The alignment assistant for people: `POST /api/v1/align`, `tidtam align scan` and the reviewers' queue of accepted
projects that fit their primary link poorly (`evaluation.alignment`), on a small National-Strategy-like plan."""

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.api.tests.helpers import API, assert_error, bearer_client
from tidtam.core.testing import (
    FrameworkFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    NodeFactory,
    OrganisationFactory,
    ProjectFactory,
    client_for,
    member,
)
from tidtam.evaluation import alignment
from tidtam.evaluation.alignment import Reason, alignment_scan, highlight, misfit_list, reason_parts
from tidtam.evaluation.models import AlignmentFit
from tidtam.organisations.choices import OrganisationKind
from tidtam.projects.models import Contribution
from tidtam.textkit import align, segment
from tidtam.workflow.choices import WorkflowStatus

pytestmark = pytest.mark.django_db

NS_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
    {"key": "target", "th": "เป้าหมายแผนย่อย", "en": "Sub-plan target"},
]
QUEUE = "/review/alignment/"
RICE = "โครงการส่งเสริมชาวนาปลูกข้าวอินทรีย์ในจังหวัดยโสธร"
SPA = "โครงการส่งเสริมการท่องเที่ยวเชิงสุขภาพและสปาไทยในเมืองรอง"


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    """Each test builds its own plan: no alignment index or dictionary may carry over from another test's data. The
    anonymous rate limit is off unless a test sets it."""
    settings.API_ANON_RATE = "0"
    align._cache.clear()
    segment._project.cache_clear()
    yield
    align._cache.clear()
    segment._project.cache_clear()


def _node(version, parent, code, title_th, title_en=""):
    return NodeFactory(framework_version=version, parent=parent, code=code, title_th=title_th, title_en=title_en)


@pytest.fixture
def plan():
    """`ns` (illustrative titles written for these tests): strategy 2 with master plans 03 (agriculture), 05
    (tourism) and 19 (water), each with a sub-plan and a target; and another framework `poa` with one target."""
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="ns"), levels=NS_LEVELS, label="2566")
    strategy = _node(version, None, "2", "ด้านการสร้างความสามารถในการแข่งขัน")
    agriculture = _node(version, strategy, "03", "การเกษตร", "Agriculture")
    organic = _node(version, agriculture, "0301", "เกษตรปลอดภัยและเกษตรอินทรีย์")
    rice = _node(version, organic, "030101", "พื้นที่ปลูกข้าวอินทรีย์เพิ่มขึ้น", "More land under organic rice")
    IndicatorFactory(node=rice, name_th="จำนวนไร่ที่ได้รับรองมาตรฐานข้าวอินทรีย์")
    tourism = _node(version, strategy, "05", "การท่องเที่ยว", "Tourism")
    wellness = _node(version, tourism, "0501", "การท่องเที่ยวเชิงสุขภาพ")
    spa = _node(version, wellness, "050101", "รายได้จากนักท่องเที่ยวเชิงสุขภาพเพิ่มขึ้น")
    water = _node(version, strategy, "19", "การบริหารจัดการน้ำทั้งระบบ", "Integrated water management")
    supply = _node(version, water, "1901", "การจัดการน้ำอุปโภคบริโภค")
    villages = _node(version, supply, "190101", "หมู่บ้านมีน้ำสะอาดใช้ตลอดปี")
    poa = FrameworkVersionFactory(framework=FrameworkFactory(code="poa"), label="1")
    pillar = _node(poa, None, "P1", "ความร่วมมือด้านการเกษตร")
    _node(poa, pillar, "P1.1", "แลกเปลี่ยนพันธุ์ข้าว")
    return {"version": version, "03": agriculture, "030101": rice, "05": tourism, "050101": spa, "190101": villages}


@pytest.fixture
def people():
    ministry = OrganisationFactory(code="moac", name_th="กระทรวงเกษตรและสหกรณ์")
    other = OrganisationFactory(code="mots", name_th="กระทรวงการท่องเที่ยวและกีฬา")
    central = OrganisationFactory(code="nesdc", kind=OrganisationKind.CENTRAL_AGENCY)
    senate = OrganisationFactory(code="senate", kind=OrganisationKind.LEGISLATURE)
    return {
        "ministry": ministry,
        "reporter": member(Role.REPORTER, ministry, username="reporter.moac"),
        "approver": member(Role.APPROVER, ministry, username="approver.moac"),
        "wrong_org": member(Role.REPORTER, other, username="reporter.mots"),
        "oversight": member(Role.OVERSIGHT, senate, username="oversight.senate"),
        "reviewer": member(Role.REVIEWER, central, username="reviewer.nesdc"),
    }


def _project(node, name_th, objectives="", status=WorkflowStatus.ACCEPTED, owner=None, **fields):
    kwargs = {"owner": owner} if owner is not None else {}
    project = ProjectFactory(name_th=name_th, objectives=objectives, status=status, **kwargs, **fields)
    Contribution.objects.create(project=project, node=node, is_primary=True)
    return project


def _align(client, body, **extra):
    return client.post(f"{API}/align", body, content_type="application/json", **extra)


# ------------------------------------------------------------------------------------------------ the API


def test_align_answers_in_the_product_shape_best_first(plan):
    response = _align(Client(), {"text": RICE, "framework": "ns"})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results, "the rice project matches the agriculture nodes"
    for result in results:
        assert set(result) == {"node", "score", "reasons"}
        assert {"code", "title", "level", "path"} <= set(result["node"])
        assert result["node"]["path"][-1] == result["node"]["code"]
        assert 0 < result["score"] <= 1
        assert result["reasons"] and all(isinstance(reason, str) for reason in result["reasons"])
    scores = [result["score"] for result in results]
    assert scores == sorted(scores, reverse=True)
    codes = [result["node"]["code"] for result in results]
    assert codes.index("03") < codes.index("030101")  # equal scores: the higher level first
    target = next(result for result in results if result["node"]["code"] == "030101")
    assert target["node"] | {"id": 0} == {
        "id": 0,
        "code": "030101",
        "title": "พื้นที่ปลูกข้าวอินทรีย์เพิ่มขึ้น",
        "title_en": "More land under organic rice",
        "level": 4,
        "path": ["2", "03", "0301", "030101"],
        "framework": "ns",
        "version": "2566",
    }
    assert "อินทรีย์" in target["reasons"]
    assert "05" not in codes and "19" not in codes  # no word in common


def test_framework_defaults_to_ns_and_level_and_limit_narrow_the_answer(plan):
    default = _align(Client(), {"text": RICE}).json()["results"]
    assert default == _align(Client(), {"text": RICE, "framework": "ns"}).json()["results"]
    masters = _align(Client(), {"text": f"{RICE} {SPA}", "level": "master_plan"}).json()["results"]
    assert {r["node"]["code"] for r in masters} == {"03", "05"}
    assert {r["node"]["level"] for r in masters} == {2}
    by_depth = _align(Client(), {"text": f"{RICE} {SPA}", "level": 2}).json()["results"]
    assert by_depth == masters
    assert _align(Client(), {"text": f"{RICE} {SPA}", "level": "2"}).json()["results"] == masters
    one = _align(Client(), {"text": f"{RICE} {SPA}", "limit": 1}).json()["results"]
    assert len(one) == 1 and one[0] == _align(Client(), {"text": f"{RICE} {SPA}"}).json()["results"][0]
    other = _align(Client(), {"text": "พันธุ์ข้าว", "framework": "poa"}).json()["results"]
    assert [r["node"]["framework"] for r in other] == ["poa", "poa"]
    assert other[-1]["node"]["code"] == "P1.1"


@pytest.mark.parametrize(
    "body, status, code, field",
    [
        ({"text": ""}, 400, "validation_error", "text"),
        ({"text": "   "}, 400, "validation_error", "text"),
        ({"text": "ข" * (alignment.MAX_TEXT_CHARS + 1)}, 400, "validation_error", "text"),
        ({}, 400, "validation_error", "text"),
        ({"text": "!!! ??? ..."}, 400, "no_terms", "text"),
        ({"text": RICE, "framework": "nope"}, 404, "framework_not_found", "framework"),
        ({"text": RICE, "level": "chapter"}, 400, "validation_error", "level"),
        ({"text": RICE, "level": 9}, 400, "validation_error", "level"),
        ({"text": RICE, "limit": 0}, 400, "validation_error", "limit"),
        ({"text": RICE, "limit": alignment.MAX_LIMIT + 1}, 400, "validation_error", "limit"),
        ({"text": RICE, "colour": "red"}, 400, "validation_error", "colour"),
    ],
)
def test_bad_requests_get_the_error_shape_naming_the_field(plan, body, status, code, field):
    error = assert_error(_align(Client(), body), status, code)
    assert field in error["details"], error


def test_no_plan_at_all_is_404(db):
    assert_error(_align(Client(), {"text": RICE}), 404, "framework_not_found")


def test_everyone_may_ask(plan, people):
    clients = [Client(), client_for(people["reporter"]), bearer_client(people["reporter"])]
    clients += [client_for(people["reviewer"]), bearer_client(people["oversight"])]
    answers = [_align(client, {"text": RICE}) for client in clients]
    assert [answer.status_code for answer in answers] == [200] * len(clients)
    assert len({answer.content for answer in answers}) == 1  # the same answer for everyone
    assert_error(_align(Client(headers={"Authorization": "Bearer tdt_garbage"}), {"text": RICE}), 401)


def test_anonymous_callers_are_rate_limited_signed_in_ones_are_not(plan, people, settings):
    settings.API_ANON_RATE = "2/60"
    anonymous = Client(REMOTE_ADDR="198.51.100.61")
    assert [_align(anonymous, {"text": RICE}).status_code for _ in range(2)] == [200, 200]
    limited = assert_error(_align(anonymous, {"text": RICE}), 429, "rate_limited")
    assert "retry_after" in limited["details"]
    token = bearer_client(people["reporter"])
    token.defaults["REMOTE_ADDR"] = "198.51.100.61"
    assert {_align(token, {"text": RICE}).status_code for _ in range(4)} == {200}


def test_a_warm_query_costs_a_few_queries(plan, django_assert_max_num_queries):
    _align(Client(), {"text": RICE})  # builds the index
    with django_assert_max_num_queries(3):
        assert _align(Client(), {"text": SPA}).status_code == 200


# ------------------------------------------------------------------------------------------------ the scan


@pytest.fixture
def linked(plan, people):
    """Accepted projects: two well linked; one about wellness tourism linked to the village-water target (no word in
    common with it); one about health tourism in villages, linked there too (its master plan comes second); one
    whose text has nothing to match; and a draft, which is not scanned."""
    ministry = people["ministry"]
    return {
        "rice": _project(plan["030101"], RICE, "เพิ่มพื้นที่นาข้าวอินทรีย์", owner=ministry),
        "spa": _project(plan["050101"], SPA, "สร้างรายได้จากนักท่องเที่ยว", owner=ministry),
        "misfit": _project(plan["190101"], "อบรมพนักงานนวดสปาไทย", owner=ministry),
        "weak": _project(plan["190101"], "ท่องเที่ยวเชิงสุขภาพในหมู่บ้าน", owner=ministry),
        "blank": _project(plan["190101"], "โครงการ ๑", owner=ministry),
        "draft": _project(plan["190101"], RICE, status=WorkflowStatus.DRAFT, owner=ministry),
    }


def test_scan_ranks_each_accepted_projects_master_plan(linked, plan):
    result = alignment_scan()
    assert result.projects == 5  # the draft is not scanned
    fits = {fit.project_id: fit for fit in AlignmentFit.objects.select_related("anchor", "primary_node")}
    assert set(fits) == {linked[name].pk for name in ("rice", "spa", "misfit", "weak", "blank")}
    rice = fits[linked["rice"].pk]
    assert (rice.anchor.code, rice.primary_node.code, rice.rank, rice.gap, rice.is_misfit) == (
        "03",
        "030101",
        1,
        0.0,
        False,
    )
    assert rice.anchor_score == rice.best_score > 0
    assert "อินทรีย์" in rice.anchor_reasons
    assert all(s["code"] != "03" for s in rice.suggestions)
    # Cross-fitted: the misfit's own words on 19 do not count for it, so 19 does not match it at all.
    misfit = fits[linked["misfit"].pk]
    assert (misfit.anchor.code, misfit.rank, misfit.anchor_score, misfit.is_misfit) == ("19", None, 0.0, True)
    assert misfit.suggestions[0]["code"] == "05" and misfit.suggestions[0]["path"] == ["2", "05"]
    assert misfit.gap == misfit.best_score == misfit.suggestions[0]["score"] > 0
    assert any("สปา" in reason or "ท่องเที่ยว" in reason for reason in misfit.suggestions[0]["reasons"])
    weak = fits[linked["weak"].pk]
    assert (weak.rank, weak.is_misfit) == (2, False)  # second of three: within MISFIT_RANK
    assert weak.gap == pytest.approx(weak.best_score - weak.anchor_score, abs=1e-4) and weak.gap > 0
    assert weak.anchor_reasons == ["หมู่บ้าน"]
    blank = fits[linked["blank"].pk]
    assert (blank.rank, blank.best_score, blank.suggestions, blank.is_misfit) == (None, 0.0, [], True)
    assert (result.misfits, result.unmatched) == (2, 2)


def test_misfit_rank_is_the_threshold(linked, monkeypatch):
    monkeypatch.setattr(alignment, "MISFIT_RANK", 1)
    alignment_scan()
    assert AlignmentFit.objects.get(project=linked["weak"]).is_misfit
    assert not AlignmentFit.objects.get(project=linked["rice"]).is_misfit


def test_without_cross_fitting_a_project_vouches_for_its_own_link(linked):
    """Why the scan cross-fits: with one index learning from every project, the misfit's own words put 19 first."""
    alignment_scan(folds=1)
    assert AlignmentFit.objects.get(project=linked["misfit"]).rank == 1


def test_scan_replaces_every_row_and_the_command_reports(linked):
    alignment_scan()
    linked["spa"].status = WorkflowStatus.DRAFT
    linked["spa"].save(update_fields=["status"])
    out = StringIO()
    call_command("align", "scan", "--batch-size", "2", stdout=out)
    assert "4 projects, 2 misfits (2 not matched at all)" in out.getvalue()
    assert AlignmentFit.objects.count() == 4
    assert not AlignmentFit.objects.filter(project=linked["spa"]).exists()


def test_the_queue_lists_misfits_worst_first_and_drops_relinked_projects(linked, plan, people):
    alignment_scan()
    reviewer = people["reviewer"]
    assert [fit.project_id for fit in misfit_list(user=reviewer)] == [linked["misfit"].pk, linked["blank"].pk]
    Contribution.objects.filter(project=linked["misfit"]).update(node=plan["050101"])  # relinked after the scan
    assert [fit.project_id for fit in misfit_list(user=reviewer)] == [linked["blank"].pk]
    linked["blank"].status = WorkflowStatus.DRAFT
    linked["blank"].save(update_fields=["status"])
    assert list(misfit_list(user=reviewer)) == []
    assert list(misfit_list(user=people["reporter"])) == []


# ------------------------------------------------------------------------------------------------ the page


def test_queue_page_permissions(linked, people):
    alignment_scan()
    anonymous = Client().get(QUEUE)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for who in ("reporter", "approver", "wrong_org", "oversight"):  # wrong role (own or other organisation)
        assert client_for(people[who]).get(QUEUE).status_code == 403, who
    page = client_for(people["reviewer"]).get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    misfit = linked["misfit"]
    assert f'href="/projects/{misfit.pk}/"' in text and misfit.code in text
    assert "หมู่บ้านมีน้ำสะอาดใช้ตลอดปี" in text  # the current primary link
    assert "การบริหารจัดการน้ำทั้งระบบ" in text  # its master plan
    assert "การท่องเที่ยว" in text and "<mark>" in text  # the suggestion and its matched words
    assert "โครงการที่อาจเชื่อมโยงแผนไม่ตรง" in text  # Thai first
    assert linked["rice"].code not in text


def test_queue_page_query_count_does_not_grow_with_rows(plan, people, django_assert_max_num_queries):
    now = timezone.now()
    suggestion = {"id": plan["05"].pk, "code": "05", "title": "การท่องเที่ยว", "path": ["2", "05"], "score": 0.6}
    for i in range(30):
        project = _project(plan["190101"], f"อบรมนวดแผนไทย รุ่นที่ {i}")
        AlignmentFit.objects.create(
            project=project,
            primary_node=plan["190101"],
            anchor=plan["190101"].parent.parent,
            best_score=0.6,
            gap=0.6 - i / 100,
            is_misfit=True,
            suggestions=[suggestion | {"reasons": ["สปา", "ท่องเที่ยว"]}],
            scanned_at=now,
        )
    client = client_for(people["reviewer"])
    client.get(QUEUE)
    with django_assert_max_num_queries(8):
        page = client.get(QUEUE)
    text = page.content.decode()
    assert text.count("<tr>") == 26  # the header and a page of 25
    assert text.index("รุ่นที่ 0<") < text.index("รุ่นที่ 1<")  # the largest gap first
    with django_assert_max_num_queries(8):
        assert client.get(f"{QUEUE}?page=2").content.decode().count("<tr>") == 6


def test_queue_page_says_when_nothing_was_scanned(plan, people):
    text = client_for(people["reviewer"]).get(QUEUE).content.decode()
    assert "tidtam align scan" in text


def test_the_reviewer_page_links_to_the_queue(people):
    text = client_for(people["reviewer"]).get("/review/").content.decode()
    assert f'href="{QUEUE}"' in text


# ------------------------------------------------------------------------------------------------ helpers


def test_reason_parts():
    assert reason_parts("ข้าว") == Reason("ข้าว")
    assert reason_parts("เกษตรกร≈เกษตร") == Reason("เกษตรกร", "≈", "เกษตร")
    assert reason_parts("อ่างเก็บน้ำ⊃น้ำ").matched == "น้ำ"
    assert reason_parts("ชาวนา~เกษตรกร") == Reason("ชาวนา", "~", "เกษตรกร")


def test_highlight_marks_the_longest_match_and_escapes():
    assert highlight("ข้าวอินทรีย์ <b>", ["ข้าว", "ข้าวอินทรีย์"]) == "<mark>ข้าวอินทรีย์</mark> &lt;b&gt;"
    assert highlight("น้ำ น้ำ", ["น้ำ"]) == "<mark>น้ำ</mark> <mark>น้ำ</mark>"


@given(st.text(max_size=40), st.lists(st.text(min_size=1, max_size=4), max_size=4))
def test_highlight_only_adds_marks(text, terms):
    out = str(highlight(text, terms))
    assert re.sub(r"</?mark>", "", out) == html.escape(text)
