"""The alignment assistant (`tidtam.textkit.align`) on a small plan, and the labelled set it is measured on."""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from tidtam.core.errors import NotFound, ValidationFailed
from tidtam.core.testing import FrameworkFactory, FrameworkVersionFactory, IndicatorFactory, NodeFactory, ProjectFactory
from tidtam.projects.models import Contribution
from tidtam.textkit import align, segment
from tidtam.textkit.bench_align import load_labelled_set
from tidtam.workflow.choices import WorkflowStatus

NS_LEVELS = [
    {"key": "strategy", "th": "ยุทธศาสตร์", "en": "Strategy"},
    {"key": "master_plan", "th": "แผนแม่บท", "en": "Master plan"},
    {"key": "sub_plan", "th": "แผนย่อย", "en": "Sub-plan"},
    {"key": "target", "th": "เป้าหมายแผนย่อย", "en": "Sub-plan target"},
]
DEMO_NS = Path(__file__).resolve().parents[2] / "plans" / "demo" / "ns.yaml"


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test builds its own plan: no index or dictionary may carry over from another test's data."""
    align._cache.clear()
    segment._project.cache_clear()
    yield
    align._cache.clear()
    segment._project.cache_clear()


def _node(version, parent, code, title_th, title_en="", description=""):
    return NodeFactory(
        framework_version=version,
        parent=parent,
        code=code,
        title_th=title_th,
        title_en=title_en,
        description=description,
    )


@pytest.fixture
def plan():
    """A small National-Strategy-like tree: one strategy, three master plans, sub-plans and targets below two."""
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="ns"), levels=NS_LEVELS, is_current=True)
    strategy = _node(version, None, "2", "ด้านการสร้างความสามารถในการแข่งขัน")
    agriculture = _node(version, strategy, "03", "การเกษตร", "Agriculture")
    rice = _node(version, agriculture, "0301", "เกษตรปลอดภัยและเกษตรอินทรีย์", "Safe and organic farming")
    organic = _node(version, rice, "030101", "พื้นที่ปลูกข้าวอินทรีย์เพิ่มขึ้น", "More land under organic rice")
    IndicatorFactory(node=organic, name_th="จำนวนไร่ที่ได้รับรองมาตรฐานข้าวอินทรีย์")
    tourism = _node(version, strategy, "05", "การท่องเที่ยว", "Tourism")
    wellness = _node(version, tourism, "0501", "การท่องเที่ยวเชิงสุขภาพ", "Wellness tourism")
    wellness_target = _node(version, wellness, "050101", "รายได้จากนักท่องเที่ยวเชิงสุขภาพเพิ่มขึ้น")
    water = _node(version, strategy, "19", "การบริหารจัดการน้ำทั้งระบบ", "Integrated water management")
    supply = _node(version, water, "1901", "การจัดการน้ำอุปโภคบริโภค", "Water for households")
    villages = _node(version, supply, "190101", "หมู่บ้านมีน้ำสะอาดใช้ตลอดปี", "Villages have clean water all year")
    return {
        "version": version,
        "03": agriculture,
        "0301": rice,
        "030101": organic,
        "05": tourism,
        "0501": wellness,
        "050101": wellness_target,
        "19": water,
        "190101": villages,
    }


def _accepted_project(node, name_th, objectives, status=WorkflowStatus.ACCEPTED):
    project = ProjectFactory(name_th=name_th, objectives=objectives, status=status)
    Contribution.objects.create(project=project, node=node, is_primary=True)
    return project


def _codes(suggestions):
    return [suggestion.code for suggestion in suggestions]


@pytest.mark.django_db
def test_the_obviously_matching_node_comes_first(plan):
    results = align.suggest_nodes(text="โครงการส่งเสริมการท่องเที่ยวเชิงสุขภาพและสปาไทย", level="sub_plan")
    assert results[0].code == "0501"
    masters = align.suggest_nodes(text="โครงการส่งเสริมการท่องเที่ยวเชิงสุขภาพและสปาไทย", level="master_plan")
    assert masters[0].code == "05"
    first = masters[0]
    assert first.path == ["2", "05"]
    assert first.title == "การท่องเที่ยว"
    assert first.level == "master_plan"
    assert 0 < first.score < 1


@pytest.mark.django_db
def test_results_are_ranked_best_first_within_the_limit(plan):
    results = align.suggest_nodes(text="ข้าวอินทรีย์ และการท่องเที่ยว", limit=3)
    assert len(results) == 3
    scores = [suggestion.score for suggestion in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)


@pytest.mark.django_db
def test_reasons_name_the_matched_terms_most_informative_first(plan):
    first = align.suggest_nodes(text="ชาวนาในจังหวัดยโสธรปลูกข้าวอินทรีย์", level="target")[0]
    assert first.code == "030101"
    assert "อินทรีย์" in first.reasons
    assert "ข้าว" in first.reasons
    # A word found by its stem says so: เกษตรกร matches the เกษตร of the titles.
    farmer = align.suggest_nodes(text="เกษตรกรรายย่อย", level="master_plan")[0]
    assert farmer.code == "03"
    assert "เกษตรกร≈เกษตร" in farmer.reasons
    # Reasons are ordered by how much they scored: the rare อินทรีย์ before the common ข้าว.
    assert first.reasons.index("อินทรีย์") < first.reasons.index("ข้าว")


@pytest.mark.django_db
def test_scores_go_up_the_tree(plan):
    """A master plan scores at least as much as its best sub-plan, and shows why."""
    results = align.suggest_nodes(text="ข้าวอินทรีย์", limit=20)
    by_code = {suggestion.code: suggestion for suggestion in results}
    assert by_code["03"].score == by_code["030101"].score
    assert by_code["03"].reasons == by_code["030101"].reasons
    assert by_code["2"].score >= by_code["03"].score
    # Read top-down on equal scores: the master plan before its sub-plan before its target.
    assert _codes(results).index("03") < _codes(results).index("0301") < _codes(results).index("030101")
    assert "05" not in by_code


@pytest.mark.django_db
def test_level_filters_by_key_or_depth(plan):
    by_key = align.suggest_nodes(text="น้ำสะอาดในหมู่บ้าน", level="master_plan")
    by_depth = align.suggest_nodes(text="น้ำสะอาดในหมู่บ้าน", level=2)
    assert _codes(by_key) == _codes(by_depth)
    assert by_key[0].code == "19"
    assert {suggestion.depth for suggestion in by_key} == {2}


@pytest.mark.django_db
def test_accepted_projects_teach_their_nodes_new_words(plan):
    text = "ขุดบ่อบาดาลและติดตั้งหอถังสูง"
    assert "19" not in _codes(align.suggest_nodes(text=text, level="master_plan"))

    _accepted_project(plan["190101"], "โครงการขุดเจาะบ่อบาดาลเพื่อหมู่บ้านแล้งซ้ำซาก", "สร้างหอถังสูงและระบบประปา")
    align.refresh()
    results = align.suggest_nodes(text=text, level="master_plan")
    assert results[0].code == "19"
    assert "บาดาล" in results[0].reasons
    assert align.get_index(plan["version"]).accepted_projects == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [WorkflowStatus.DRAFT, WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED], ids=lambda s: s.value
)
def test_projects_not_yet_accepted_teach_nothing(plan, status):
    _accepted_project(plan["190101"], "โครงการขุดเจาะบ่อบาดาลเพื่อหมู่บ้านแล้งซ้ำซาก", "สร้างหอถังสูง", status=status)
    align.refresh()
    assert "19" not in _codes(align.suggest_nodes(text="ขุดบ่อบาดาลและติดตั้งหอถังสูง", level="master_plan"))
    assert align.get_index(plan["version"]).accepted_projects == 0


@pytest.mark.django_db
def test_a_secondary_link_teaches_nothing(plan):
    project = _accepted_project(plan["050101"], "โครงการขุดเจาะบ่อบาดาล", "")
    Contribution.objects.create(project=project, node=plan["190101"], is_primary=False)
    align.refresh()
    assert _codes(align.suggest_nodes(text="บ่อบาดาล", level="master_plan")) == ["05"]


@pytest.mark.django_db
def test_english_text_matches_english_titles(plan):
    assert align.suggest_nodes(text="Wellness tourism in Thailand", level="sub_plan")[0].code == "0501"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_blank_text_says_what_to_give(plan, text):
    with pytest.raises(ValidationFailed) as caught:
        align.suggest_nodes(text=text)
    assert caught.value.code == "empty_text"
    assert "ชื่อโครงการ" in caught.value.message
    assert "name and objectives" in caught.value.message
    assert caught.value.details == {"text": ["required"]}


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["!!! ... ???", "และ ของ ที่", "โครงการ ส่งเสริม พัฒนา"])
def test_text_without_words_to_match_says_so(plan, text):
    with pytest.raises(ValidationFailed) as caught:
        align.suggest_nodes(text=text)
    assert caught.value.code == "no_terms"
    assert "describe the project" in caught.value.message


@pytest.mark.django_db
def test_unknown_words_give_no_suggestions(plan):
    assert align.suggest_nodes(text="ควอนตัมคอมพิวเตอร์") == []


@pytest.mark.django_db
def test_without_the_national_strategy_it_says_to_import_it():
    with pytest.raises(NotFound) as caught:
        align.suggest_nodes(text="การท่องเที่ยว")
    assert caught.value.code == "no_framework"
    assert "tidtam demo" in caught.value.message


@pytest.mark.django_db
def test_another_framework_version_is_ranked_on_its_own(plan):
    other = FrameworkVersionFactory(levels=NS_LEVELS[:2])
    top = _node(other, None, "A", "ความร่วมมือทางทะเล")
    _node(other, top, "A1", "การท่องเที่ยวทางทะเล")
    results = align.suggest_nodes(text="การท่องเที่ยวทางทะเล", framework_version=other)
    assert _codes(results) == ["A", "A1"]


@pytest.mark.django_db
def test_the_index_is_built_once_and_refreshed_on_demand(plan, django_assert_num_queries):
    version = plan["version"]
    index = align.get_index(version)
    with django_assert_num_queries(0):
        assert align.get_index(version) is index
        align.suggest_nodes(text="ข้าวอินทรีย์", framework_version=version)
    align.refresh(version, dictionary=False)
    assert align.get_index(version) is not index
    assert {entry.node.code for entry in index.entries} >= {"2", "03", "0301", "030101", "05", "19"}


def test_word_pieces_strip_nominal_prefixes_and_agent_suffixes():
    assert "เกษตร" in align.word_pieces("เกษตรกร")
    assert "เกษตร" in align.word_pieces("การเกษตร")
    assert "กีฬา" in align.word_pieces("นักกีฬา")
    assert align.word_pieces("จังหวัด") == ("จังหวัด",)  # no หวัด ("a cold") inside
    assert align.word_pieces("tourism") == ("tourism",)


def test_common_words_weigh_less_than_rare_ones():
    assert align.general_weight("ดี") < align.general_weight("ประชาชน") < align.general_weight("ทุเรียน") <= 1


# ------------------------------------------------------------------------------------------------ the labelled set


def _demo_master_plans() -> dict[str, str]:
    """Code → title of the master plans (the second level) of the demo `ns` plan file."""
    data = yaml.safe_load(DEMO_NS.read_text(encoding="utf-8"))
    return {plan["code"]: plan["title_th"] for strategy in data["nodes"] for plan in strategy.get("children", [])}


def test_the_labelled_set_is_well_formed():
    items = load_labelled_set()
    plans = _demo_master_plans()
    assert sorted(plans) == [f"{number:02d}" for number in range(1, 24)]
    assert len(items) >= 200
    assert {item.master_plan for item in items} <= set(plans), "every label is a master plan of the demo ns plan"
    per_plan = Counter(item.master_plan for item in items)
    assert set(per_plan) == set(plans)
    assert min(per_plan.values()) >= 8, per_plan
    assert len({item.id for item in items}) == len(items)
    assert len({item.name for item in items}) == len(items)
    for item in items:
        assert item.id.startswith(item.master_plan + "-")
        assert item.name != plans[item.master_plan], "a project is more than its master plan's title"


def test_the_labelled_set_holds_out_about_a_third_of_every_master_plan():
    items = load_labelled_set()
    held = [item for item in items if item.holdout]
    assert 0.25 <= len(held) / len(items) <= 0.4
    per_plan = Counter(item.master_plan for item in held)
    assert set(per_plan) == set(_demo_master_plans()) and min(per_plan.values()) >= 2, per_plan
    assert all(Counter(item.master_plan for item in items if not item.holdout)[code] >= 3 for code in per_plan)


def test_a_malformed_labelled_set_is_refused(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text("format: tidtam-alignment-set/1\nitems:\n  - {id: x, master_plan: '01', name: ''}\n")
    with pytest.raises(ValueError, match="non-empty"):
        load_labelled_set(path)
    path.write_text(
        "format: tidtam-alignment-set/1\nitems:\n  - {id: x, master_plan: '01', name: a, objectives: b, holdout: 1}\n"
    )
    with pytest.raises(ValueError, match="holdout"):
        load_labelled_set(path)
    path.write_text("format: other\nitems: []\n")
    with pytest.raises(ValueError, match="format"):
        load_labelled_set(path)


# ---------------------------------------------------------------------------------------------- tidtam bench align


def _write_set(path, items):
    path.write_text(yaml.safe_dump({"format": "tidtam-alignment-set/1", "items": items}, allow_unicode=True))
    return path


@pytest.mark.django_db
def test_bench_align_prints_accuracy_and_latency(plan, tmp_path):
    labelled = _write_set(
        tmp_path / "set.yaml",
        [
            {"id": "a", "master_plan": "05", "name": "โครงการสปาและนวดไทย", "objectives": "ท่องเที่ยวเชิงสุขภาพ"},
            {"id": "b", "master_plan": "03", "name": "โครงการข้าวอินทรีย์", "objectives": "ชาวนาปลูกข้าวอินทรีย์"},
            {"id": "c", "master_plan": "19", "name": "โครงการควอนตัม", "objectives": "คอมพิวเตอร์ควอนตัม"},
        ],
    )
    out, err = StringIO(), StringIO()
    call_command("bench", "align", "--set", str(labelled), "--repeats", "1", "--warmup", "0", stdout=out, stderr=err)
    text = out.getvalue()
    assert "top-1" in text and "2/3 = 66.7%" in text
    assert "top-3" in text and "p95" in text
    assert "c: expected 19, got -" in text
    call_command("bench", "align", "--set", str(labelled), "--repeats", "1", "--warmup", "0", "--json", stdout=out)
    data = json.loads(out.getvalue()[len(text) :])
    assert data["top1"] == data["top3"] == round(2 / 3, 4)
    assert data["matched_at_all"] == round(2 / 3, 4)
    assert data["latency"]["samples"] == 3
    assert data["per_master_plan"]["19"] == {"items": 1, "top1": 0, "top3": 0}


@pytest.mark.django_db
def test_bench_align_reports_the_held_out_part_apart_and_keeps_its_misses_hidden(plan, tmp_path):
    labelled = _write_set(
        tmp_path / "set.yaml",
        [
            {"id": "a", "master_plan": "05", "name": "โครงการสปาและนวดไทย", "objectives": "ท่องเที่ยวเชิงสุขภาพ"},
            {"id": "b", "master_plan": "19", "name": "โครงการควอนตัม", "objectives": "คอมพิวเตอร์ควอนตัม"},
            {"id": "h1", "master_plan": "03", "name": "โครงการข้าวอินทรีย์", "objectives": "ข้าวอินทรีย์", "holdout": True},
            {"id": "h2", "master_plan": "03", "name": "โครงการดาวเทียม", "objectives": "ดาวเทียม", "holdout": True},
        ],
    )
    options = ["--set", str(labelled), "--repeats", "1", "--warmup", "0"]
    out = StringIO()
    call_command("bench", "align", *options, stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "tuning part: 2 items, top-1 50.0%, top-3 50.0%" in text
    assert "held-out part: 2 items, top-1 50.0%, top-3 50.0%" in text
    assert "b: expected 19" in text and "h2" not in text and "held-out part not listed" in text
    out = StringIO()
    call_command("bench", "align", *options, "--show-holdout-misses", stdout=out, stderr=StringIO())
    assert "h2 (held out): expected 03" in out.getvalue()
    out = StringIO()
    call_command("bench", "align", *options, "--json", stdout=out, stderr=StringIO())
    data = json.loads(out.getvalue())
    assert data["parts"] == {
        "tuning": {"items": 2, "top1": 0.5, "top3": 0.5},
        "holdout": {"items": 2, "top1": 0.5, "top3": 0.5},
    }
    assert [miss["id"] for miss in data["misses"]] == ["b"]


@pytest.mark.django_db
def test_bench_align_fails_on_a_label_that_is_no_master_plan(plan, tmp_path):
    labelled = _write_set(tmp_path / "set.yaml", [{"id": "x", "master_plan": "99", "name": "ข้าว", "objectives": "ข้าว"}])
    with pytest.raises(CommandError, match="99"):
        call_command("bench", "align", "--set", str(labelled), "--repeats", "1", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_bench_align_needs_the_plan():
    with pytest.raises(CommandError, match="tidtam demo"):
        call_command("bench", "align", stdout=StringIO(), stderr=StringIO())
