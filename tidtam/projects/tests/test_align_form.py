"""The alignment assistant in the project form: the suggestions panel (htmx as the officer types), the no-JavaScript
"suggest related plans" and "use as the primary link" buttons, which keep every typed value and save nothing."""

import re

import pytest

from tidtam.core.testing import NodeFactory, client_for
from tidtam.projects.models import Project
from tidtam.projects.tests.factories import make_project
from tidtam.textkit import align, segment

pytestmark = pytest.mark.django_db

DRUGS = "ป้องกันและแก้ไขปัญหายาเสพติดในชุมชนชายแดนภาคเหนือ"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The alignment index and the segmentation dictionary are cached per process: rebuild them for each test."""
    align._cache.clear()
    segment._project.cache_clear()
    yield
    align._cache.clear()
    segment._project.cache_clear()


@pytest.fixture
def drugs_target(plan):
    """A target of `ns` master plan 01 about drugs in border communities (illustrative, written for these tests)."""
    return NodeFactory(
        framework_version=plan.version,
        parent=plan.sub_plan,
        code="010102",
        title_th="ชุมชนชายแดนปลอดภัยจากยาเสพติด",
        title_en="Border communities safe from drugs",
    )


def _typed(**overrides) -> dict:
    """What an officer typed in the new-project form: text, Thai digits, a province, a KPI row; no primary link."""
    data = {
        "owner": "mfa-div",
        "code": "",
        "name_th": "โครงการชุมชนเข้มแข็งต้านยาเสพติด",
        "name_en": "Strong communities against drugs",
        "kind": "project",
        "lifecycle": "planned",
        "fiscal_year_start": "๒๕๖๘",
        "fiscal_year_end": "",
        "start_date": "๑/๑๐/๒๕๖๗",
        "end_date": "",
        "objectives": DRUGS,
        "rationale": "เหตุผลที่พิมพ์ไว้",
        "provinces": ["50"],
        "primary_node": "",
        "kpis-TOTAL_FORMS": "1",
        "kpis-INITIAL_FORMS": "0",
        "kpis-0-name": "จำนวนหมู่บ้านที่ร่วมโครงการ",
        "kpis-0-unit": "หมู่บ้าน",
        "kpis-0-target_value": "๑๒",
        "activities-TOTAL_FORMS": "0",
        "activities-INITIAL_FORMS": "0",
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "0",
        "budget-0-fiscal_year": "2568",
        "budget-0-source": "state_budget",
        "budget-0-amount": "๕๐๐,๐๐๐",
        "planned-TOTAL_FORMS": "0",
        "planned-INITIAL_FORMS": "0",
        "secondary-TOTAL_FORMS": "0",
        "secondary-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _panel(html: str) -> str:
    match = re.search(r'<section id="align-suggestions".*?</section>', html, re.S)
    assert match, "the suggestions panel is on the page"
    return match.group(0)


def test_the_form_fetches_suggestions_as_the_officer_types(people, plan):
    html = client_for(people["reporter"]).get("/projects/new/").content.decode()
    for name in ("name_th", "name_en", "objectives"):
        field = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'hx-get="/projects/suggest-plans/"' in field
        assert 'hx-trigger="input changed delay:600ms"' in field
        assert 'hx-target="#align-suggestions"' in field
    assert "พิมพ์ชื่อและวัตถุประสงค์ของโครงการ" in _panel(html)  # nothing typed yet
    assert re.search(r'<button[^>]*name="suggest_nodes"[^>]*>แนะนำแผนที่เกี่ยวข้อง</button>', html)
    assert "projects/align.js" in html


def test_the_panel_lists_targets_with_path_score_and_highlighted_reasons(people, plan, drugs_target):
    response = client_for(people["reporter"]).get("/projects/suggest-plans/", {"objectives": DRUGS})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial
    panel = _panel(html)
    first = re.search(r'<li class="align-item">.*?</li>', panel, re.S).group(0)
    assert "010102" in first and "แผนแม่บทความมั่นคง" in first  # the target and its path of Thai titles
    assert "<mark>ยาเสพติด</mark>" in first and "<mark>ชายแดน</mark>" in first  # matched words, in the title too
    assert re.search(r"คะแนน 0\.\d\d", first)
    assert f'name="pick_node" value="{drugs_target.pk}"' in first
    assert "2567" not in panel and "2024" not in panel  # no dates at all: nothing to convert to BE


def test_the_panel_explains_when_there_is_nothing_to_suggest(people, plan):
    client = client_for(people["reporter"])
    assert "พิมพ์ชื่อและวัตถุประสงค์" in client.get("/projects/suggest-plans/").content.decode()
    nothing = client.get("/projects/suggest-plans/", {"name_th": "โครงการพัฒนา"}).content.decode()
    assert "ข้อความไม่มีคำที่ใช้จับคู่ได้" in nothing
    unrelated = client.get("/projects/suggest-plans/", {"objectives": "ทุเรียนหมอนทอง"}).content.decode()
    assert "ยังไม่พบแผนที่มีคำตรงกับข้อความนี้" in unrelated


def test_the_panel_needs_a_sign_in(plan):
    from django.test import Client

    response = Client().get("/projects/suggest-plans/", {"objectives": DRUGS})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_suggest_without_javascript_keeps_every_value_and_saves_nothing(people, plan, drugs_target):
    before = Project.objects.count()
    response = client_for(people["reporter"]).post("/projects/new/", _typed(suggest_nodes="1"))
    assert response.status_code == 200
    assert Project.objects.count() == before
    html = response.content.decode()
    assert 'value="โครงการชุมชนเข้มแข็งต้านยาเสพติด"' in html
    assert 'value="Strong communities against drugs"' in html
    assert f"{DRUGS}</textarea>" in html and "เหตุผลที่พิมพ์ไว้</textarea>" in html
    assert 'value="๒๕๖๘"' in html and 'value="๑/๑๐/๒๕๖๗"' in html
    assert 'value="จำนวนหมู่บ้านที่ร่วมโครงการ"' in html and 'value="๑๒"' in html and 'value="๕๐๐,๐๐๐"' in html
    assert re.search(r'<option value="50" selected>', html)
    assert 'class="error-text"' not in html  # not a save attempt: no errors shown
    assert f'name="pick_node" value="{drugs_target.pk}"' in _panel(html)


def test_pick_without_javascript_fills_the_primary_link_then_the_project_saves(people, plan, drugs_target):
    client = client_for(people["reporter"])
    response = client.post("/projects/new/", _typed(pick_node=str(drugs_target.pk)))
    assert response.status_code == 200
    assert not Project.objects.filter(name_th="โครงการชุมชนเข้มแข็งต้านยาเสพติด").exists()
    html = response.content.decode()
    assert re.search(rf'<option value="{drugs_target.pk}" selected>', html)
    assert f"{DRUGS}</textarea>" in html
    saved = client.post("/projects/new/", _typed(primary_node=str(drugs_target.pk)))
    assert saved.status_code == 302
    project = Project.objects.get(name_th="โครงการชุมชนเข้มแข็งต้านยาเสพติด")
    assert project.contributions.get(is_primary=True).node == drugs_target


def test_the_edit_page_suggests_from_the_stored_text(people, orgs, plan, drugs_target):
    project = make_project(orgs.division, people["reporter"], plan, name_th="โครงการหมู่บ้านสีขาว", objectives=DRUGS)
    html = client_for(people["reporter"]).get(f"/projects/{project.pk}/edit/").content.decode()
    assert f'name="pick_node" value="{drugs_target.pk}"' in _panel(html)
