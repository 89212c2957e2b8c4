"""Plan import and export (tidtam-plan/1): counts, idempotence, line-level errors, all-or-nothing, round trips."""

import string
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidtam.accounts.choices import Role
from tidtam.core.errors import Forbidden, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.core.testing import OrganisationFactory, member
from tidtam.plans import services
from tidtam.plans.importer import plan_export, plan_import
from tidtam.plans.models import (
    CrossLink,
    Crosswalk,
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Node,
)

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
MODELS = (
    Framework,
    FrameworkVersion,
    Node,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Crosswalk,
    CrossLink,
    AuditEntry,
)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def marked_line(text: str, marker: str) -> int:
    """The 1-based line of the fixture carrying `# ERR <marker>`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.rstrip().endswith(f"# ERR {marker}"))


def import_errors(**kwargs) -> list[dict]:
    with pytest.raises(ValidationFailed) as caught:
        plan_import(**kwargs)
    assert caught.value.code == "import_invalid"
    errors = caught.value.details["errors"]
    assert caught.value.message == f"ไฟล์แผนมีข้อผิดพลาด {len(errors)} รายการ / The plan file has {len(errors)} errors"
    return errors


@pytest.fixture
def orgs():
    return {code: OrganisationFactory(code=code) for code in ("nesdc", "mfa")}


@pytest.fixture
def reviewer(orgs):
    return member(Role.REVIEWER, orgs["nesdc"])


def test_a_valid_file_imports_the_tree_indicators_targets_and_values(reviewer, orgs):
    result = plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))

    created = {kind: counts.created for kind, counts in result.counts.items()}
    assert created == {"framework": 1, "version": 1, "node": 7, "indicator": 2, "target": 3, "value": 1,
                       "crosswalk": 0, "cross_link": 0}  # fmt: skip
    assert result.total("updated") == result.total("unchanged") == 0
    assert result.warnings == []
    framework = Framework.objects.get(code="ns")
    assert (framework.kind, framework.owner, framework.title_en) == (
        "national_strategy",
        orgs["nesdc"],
        "National Strategy 2018–2037",
    )
    version = framework.versions.get()
    assert (version.label, version.is_current, version.valid_from, version.valid_to) == (
        "2561",
        True,
        date(2018, 10, 8),
        None,
    )
    assert version.level_name(2, "en") == "Master plan" and version.levels[3]["en"] == ""
    nodes = {n.code: n for n in Node.objects.filter(framework_version=version)}
    assert nodes["020101"].tree_path == "/2/02/0201/020101/" and nodes["020101"].depth == 4
    assert nodes["020101"].parent == nodes["0201"] and nodes["020101"].is_illustrative
    assert [(n.code, n.sort_order) for n in nodes.values() if n.parent is None] == [("1", 1), ("2", 2)]
    assert [n.code for n in Node.objects.filter(parent=nodes["02"]).order_by("sort_order")] == ["0201", "0202"]
    assert nodes["02"].description == "แผนแม่บทภายใต้ยุทธศาสตร์ชาติ ประเด็นการต่างประเทศ\nขับเคลื่อนโดยกระทรวงการต่างประเทศ\n"

    first, second = Indicator.objects.filter(node=nodes["020101"]).order_by("sort_order")
    assert (first.code, first.responsible_organisation, first.baseline_value, first.baseline_year) == (
        "020101-01",
        orgs["mfa"],
        Decimal("10"),
        2560,
    )
    assert [(t.period_start, t.period_end, t.value, t.value_max) for t in first.targets.order_by("period_start")] == [
        (2566, 2570, Decimal("60"), None),
        (2568, 2568, Decimal("50"), None),
    ]  # phase, and "๕๐" in Thai digits
    (actual,) = first.values.all()
    assert (actual.period_start, actual.value, actual.evidence, actual.source_url) == (
        2565,
        Decimal("45.5"),
        "รายงานประจำปี 2565",
        "https://www.mfa.go.th/",
    )
    assert (second.direction, second.baseline_year, second.frequency) == ("range", 2560, "annual")  # CE 2017 → 2560
    assert [(t.value, t.value_max) for t in second.targets.all()] == [(Decimal("50"), Decimal("70"))]
    entries = AuditEntry.objects.filter(action="create")
    assert entries.count() == 15 and set(entries.values_list("actor", flat=True)) == {reviewer.pk}


def test_importing_the_same_file_again_changes_nothing(reviewer):
    text = fixture("ns_2561.yaml")
    plan_import(actor=reviewer, text=text)
    before = row_counts()

    result = plan_import(actor=reviewer, text=text)

    assert result.total("created") == result.total("updated") == 0 and not result.changed
    assert result.counts["node"].unchanged == 7 and result.counts["target"].unchanged == 3
    assert row_counts() == before
    assert set(Node.objects.values_list("version", flat=True)) == {1}


def test_a_changed_title_updates_exactly_one_node_with_one_audit_entry(reviewer):
    text = fixture("ns_2561.yaml")
    plan_import(actor=reviewer, text=text)
    audit_before = AuditEntry.objects.count()

    changed = text.replace("title_th: ความยั่งยืน (Sustainability)", "title_th: ความยั่งยืนของการต่างประเทศ")
    result = plan_import(actor=reviewer, text=changed)

    assert result.counts["node"].updated == 1 and result.total("updated") == 1 and result.total("created") == 0
    node = Node.objects.get(code="0202")
    assert (node.title_th, node.version) == ("ความยั่งยืนของการต่างประเทศ", 2)
    (entry,) = AuditEntry.objects.all()[: AuditEntry.objects.count() - audit_before]
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == ("update", "node", str(node.pk), reviewer)
    assert entry.before["title_th"] == "ความยั่งยืน (Sustainability)"
    assert entry.after["title_th"] == "ความยั่งยืนของการต่างประเทศ" and entry.changed_fields == ["title_th", "version"]


def test_a_bad_file_reports_every_mistake_with_its_line_and_writes_nothing(reviewer):
    text = fixture("bad_plan.yaml")
    before = row_counts()

    errors = import_errors(actor=reviewer, text=text)

    indicator = "nodes[1].children[0].children[0].indicators[0]"
    assert {(e["line"], e["path"], e["field"]) for e in errors} == {
        (marked_line(text, "missing-title"), "nodes[0]", "title_th"),
        (marked_line(text, "unknown-key"), "nodes[1]", "titel_en"),
        (marked_line(text, "bad-direction"), indicator, "direction"),
        (marked_line(text, "unknown-org"), indicator, "responsible"),
        (marked_line(text, "bad-period"), f"{indicator}.targets[0]", "period"),
        (marked_line(text, "duplicate-code"), "nodes[1].children[1]", "code"),
    }
    messages = {e["field"]: e["message"] for e in errors}
    assert messages["title_th"] == "ต้องระบุ title_th / title_th is required"
    assert "did you mean 'title_en'" in messages["titel_en"]
    assert "nowhere" in messages["responsible"] and "higher, lower, range" in messages["direction"]
    assert [e["line"] for e in errors] == sorted(e["line"] for e in errors)
    assert row_counts() == before


def test_a_yaml_syntax_error_is_one_error_naming_its_line(reviewer):
    text = "format: tidtam-plan/1\nframework:\n  code: ns\n   title_th: ผิดย่อหน้า\n"
    before = row_counts()

    (error,) = import_errors(actor=reviewer, text=text)

    assert error["line"] == 4 and error["message"].startswith("YAML ไม่ถูกต้อง")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("snippet", "path", "field"),
    [
        ("{period: '2568', value: 80, max: 70}", "targets[0]", "max"),  # max below value (and not a range indicator)
        ("{period: '2568', value: 1.23456}", "targets[0]", "value"),  # more decimals than stored
        ("{period: '2568', value: ten}", "targets[0]", "value"),
        ("{period: '2568', value: 1, value: 2}", "targets[0]", "value"),  # a key written twice
    ],
)
def test_target_values_are_checked(reviewer, snippet, path, field):
    text = fixture("ns_2561.yaml").replace('{period: "2566-2570", value: 60}', snippet)
    errors = import_errors(actor=reviewer, text=text)
    assert any(e["path"].endswith(path) and e["field"] == field for e in errors), errors


def test_two_targets_for_the_same_period_are_an_error(reviewer):
    text = fixture("ns_2561.yaml").replace('{period: "2568", value: "๕๐"}', '{period: "2566–2570", value: 50}')
    (error,) = import_errors(actor=reviewer, text=text)
    assert (error["field"], error["path"][-10:]) == ("period", "targets[1]") and "targets[0]" in error["message"]


def test_a_node_placed_under_another_parent_is_an_error(reviewer):
    text = fixture("ns_2561.yaml")
    plan_import(actor=reviewer, text=text)
    moved = text.replace('- code: "01"\n', '- code: "01x"\n').replace('- code: "0202"', '- code: "01"')
    before = row_counts()

    (error,) = import_errors(actor=reviewer, text=moved)

    assert (error["path"], error["field"]) == ("nodes[1].children[0].children[1]", "code")
    assert "under '1'" in error["message"]
    assert row_counts() == before


def test_nodes_missing_from_the_file_are_kept_and_listed_in_warnings(reviewer):
    text = fixture("ns_2561.yaml")
    plan_import(actor=reviewer, text=text)
    shorter = text.split('          - code: "0202"')[0]

    result = plan_import(actor=reviewer, text=shorter)

    assert not result.changed
    assert result.warnings == [
        "โหนด '0202' มีในฐานข้อมูลแต่ไม่มีในไฟล์ จึงไม่ถูกลบ / Node '0202' is in the database but not in the file; it was kept"
    ]
    assert Node.objects.filter(code="0202").exists()


def test_a_failure_in_the_write_phase_rolls_everything_back(reviewer, monkeypatch):
    real = services.indicator_target_set

    def refuse_ranges(**kwargs):
        if kwargs["value_max"] is not None:
            raise ValidationFailed("invalid", "ข้อมูลไม่ถูกต้อง / Invalid data", {"value_max": ["refused"]})
        return real(**kwargs)

    monkeypatch.setattr(services, "indicator_target_set", refuse_ranges)
    text = fixture("ns_2561.yaml")
    before = row_counts()

    (error,) = import_errors(actor=reviewer, text=text)

    assert error["path"] == "nodes[1].children[0].children[0].children[0].indicators[1].targets[0]"
    assert error["line"] == next(n for n, line in enumerate(text.splitlines(), 1) if "max: 70" in line)
    assert "value_max: refused" in error["message"]
    assert row_counts() == before


def test_a_dry_run_reports_the_counts_and_writes_nothing(reviewer):
    text = fixture("ns_2561.yaml")
    before = row_counts()

    dry = plan_import(actor=reviewer, text=text, dry_run=True)

    assert dry.dry_run and dry.counts["node"].created == 7 and dry.counts["value"].created == 1
    assert row_counts() == before
    real = plan_import(actor=reviewer, text=text)
    assert real.counts == dry.counts


def test_crosswalks_and_cross_links_resolve(reviewer):
    plan_import(actor=reviewer, text=fixture("asean.yaml"))
    plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))

    result = plan_import(actor=reviewer, text=fixture("ns_2566.yaml"))

    assert (result.counts["crosswalk"].created, result.counts["cross_link"].created) == (5, 2)
    assert result.warnings == ["ฉบับ '2561' ไม่เป็นฉบับปัจจุบันอีกต่อไป / Version '2561' is no longer the current version"]
    assert list(
        FrameworkVersion.objects.filter(framework__code="ns", is_current=True).values_list("label", flat=True)
    ) == ["2566"]
    merged = Crosswalk.objects.get(from_node__code="020101")
    assert (merged.from_node.framework_version.label, merged.to_node.framework_version.label) == ("2561", "2566")
    assert (merged.to_node.code, merged.kind, merged.note) == ("0201", "merged", "เป้าหมายรวมเข้ากับแผนย่อย")
    link = CrossLink.objects.get(target__code="PS-1")
    assert (link.source.code, link.source.framework_version.label, link.kind) == ("02", "2566", "same_as")
    assert not plan_import(actor=reviewer, text=fixture("ns_2566.yaml")).changed


def test_unknown_crosswalk_versions_and_cross_link_targets_are_errors(reviewer):
    plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))
    text = (
        fixture("ns_2566.yaml")
        .replace('{from: "0202", to: "0202"', '{from: "9999", to: "0202"')
        .replace("framework: asean-us-poa, code: PS}", "framework: nowhere, code: PS}")
        .replace("code: PS-1}", "code: XX}")
    )
    plan_import(actor=reviewer, text=fixture("asean.yaml"))

    errors = import_errors(actor=reviewer, text=text)

    assert {(e["path"], e["field"]) for e in errors} == {
        ("crosswalk.links[4]", "from"),
        ("cross_links[0].to", "framework"),
        ("cross_links[1].to", "code"),
    }
    unknown_version = fixture("ns_2566.yaml").replace('from_version: "2561"', 'from_version: "2550"')
    (error,) = import_errors(actor=reviewer, text=unknown_version)
    assert (error["line"], error["path"], error["field"]) == (30, "crosswalk", "from_version")
    assert error["message"] == "ไม่พบฉบับ '2550' ของกรอบแผนนี้ / This framework has no version '2550'"


def test_a_reporter_is_refused_and_nothing_is_written(orgs):
    reporter = member(Role.REPORTER, orgs["mfa"])
    before = row_counts()
    with pytest.raises(Forbidden):
        plan_import(actor=reporter, text=fixture("ns_2561.yaml"))
    with pytest.raises(Forbidden):
        plan_import(actor=reporter, text=fixture("ns_2561.yaml"), dry_run=True)
    assert row_counts() == before


def test_export_import_export_gives_the_same_text(reviewer):
    plan_import(actor=reviewer, text=fixture("asean.yaml"))
    plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))
    plan_import(actor=reviewer, text=fixture("ns_2566.yaml"))
    old = plan_export(user=None, framework_code="ns", version_label="2561")
    new = plan_export(user=None, framework_code="ns")
    asean = plan_export(user=None, framework_code="asean-us-poa")
    assert "from_version: '2561'" in new and "framework: asean-us-poa" in new and "current: false" in old

    # Over the same database: nothing changes.
    before = row_counts()
    for text in (asean, old, new):
        assert not plan_import(actor=reviewer, text=text).changed
    assert row_counts() == before

    # On a fresh database (everything imported inside a savepoint that is rolled back afterwards).
    with transaction.atomic():
        Framework.objects.all().delete()
        for text in (asean, old, new):
            plan_import(actor=reviewer, text=text)
        assert plan_export(user=None, framework_code="ns", version_label="2561") == old
        assert plan_export(user=None, framework_code="ns") == new
        assert plan_export(user=None, framework_code="asean-us-poa") == asean
        transaction.set_rollback(True)


def test_export_writes_the_documented_shape(reviewer):
    plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))
    text = plan_export(user=None, framework_code="ns")
    document = yaml.safe_load(text)
    assert list(document) == ["format", "framework", "version", "nodes"]
    assert list(document["framework"]) == ["code", "title_th", "title_en", "kind", "description", "owner"]
    indicator = document["nodes"][1]["children"][0]["children"][0]["children"][0]["indicators"][0]
    assert indicator["targets"] == [{"period": "2566-2570", "value": 60}, {"period": "2568", "value": 50}]
    assert indicator["values"][0]["value"] == 45.5 and indicator["baseline"] == {"value": 10, "year": 2560}
    assert "ยุทธศาสตร์ชาติ" in text  # Thai written as is, not escaped
    assert "  - {key: strategy, th: ยุทธศาสตร์, en: Strategy}" in text


def test_the_example_in_the_format_documentation_imports(reviewer):
    docs = (Path(__file__).resolve().parents[3] / "docs" / "plan-format.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    plan_import(actor=reviewer, text=fixture("asean.yaml"))
    plan_import(actor=reviewer, text=fixture("ns_2561.yaml"))

    result = plan_import(actor=reviewer, text=example)

    assert (result.counts["node"].created, result.counts["indicator"].created) == (4, 2)
    assert (result.counts["crosswalk"].created, result.counts["cross_link"].created) == (2, 2)
    assert not plan_import(actor=reviewer, text=example).changed


def test_the_management_command_imports_and_exports(orgs, tmp_path):
    out, err = StringIO(), StringIO()
    call_command("plans", "import", str(FIXTURES / "ns_2561.yaml"), "--dry-run", stdout=out, stderr=err)
    assert "Dry run" in out.getvalue() and "node: created 7" in out.getvalue()
    assert not Framework.objects.exists()

    call_command("plans", "import", str(FIXTURES / "ns_2561.yaml"), stdout=out, stderr=err)
    assert Node.objects.count() == 7 and AuditEntry.objects.filter(actor=None).count() == 15

    exported = StringIO()
    call_command("plans", "export", "ns", "--version", "2561", stdout=exported)
    assert exported.getvalue() == plan_export(user=None, framework_code="ns")
    target = tmp_path / "ns.yaml"
    call_command("plans", "export", "ns", "-o", str(target), stdout=out, stderr=err)
    assert target.read_text(encoding="utf-8") == exported.getvalue()

    out = StringIO()
    call_command("plans", "import", str(target), stdout=out, stderr=err)
    assert "node: created 0, updated 0, unchanged 7" in out.getvalue()


def test_the_management_command_acts_as_the_named_user(orgs):
    reviewer = member(Role.REVIEWER, orgs["nesdc"], username="reviewer.nesdc")
    member(Role.REPORTER, orgs["mfa"], username="reporter.mfa")
    path = str(FIXTURES / "asean.yaml")

    with pytest.raises(CommandError) as caught:
        call_command("plans", "import", path, "--user", "reporter.mfa", stdout=StringIO(), stderr=StringIO())
    assert caught.value.returncode == 1 and "not allowed" in str(caught.value)
    assert not Framework.objects.exists()

    call_command("plans", "import", path, "--user", "reviewer.nesdc", stdout=StringIO(), stderr=StringIO())
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {reviewer.pk}


def test_the_management_command_prints_every_error_and_exits_with_1(orgs):
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("plans", "import", str(FIXTURES / "bad_plan.yaml"), stdout=StringIO(), stderr=err)
    assert caught.value.returncode == 1 and "6" in str(caught.value)
    lines = err.getvalue().splitlines()
    text = fixture("bad_plan.yaml")
    assert len(lines) == 6
    assert (
        f"line {marked_line(text, 'missing-title')}: nodes[0] title_th: ต้องระบุ title_th / title_th is required" in lines
    )
    with pytest.raises(CommandError) as caught:
        call_command("plans", "export", "nowhere", stdout=StringIO())
    assert caught.value.returncode == 1
    assert not Framework.objects.exists()


# --------------------------------------------------------------------------- generated plans round-trip

THAI = "กขคฆงจฉชซญฎฐณดตถทธนบปผพฟภมยรลวศษสหฬอฮะัาำิีึืุูเแโใไ่้๊๋์ๆ๐๑๒๓๔๕๖๗๘๙"
TEXT = st.text(alphabet=THAI + string.ascii_letters + string.digits + " .,:;#-'\"()–", min_size=1, max_size=25).filter(
    str.strip
)
LONG_TEXT = st.text(alphabet=THAI + string.ascii_letters + " .:#-\n", max_size=60)
CODES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,7}", fullmatch=True)
NUMBERS = (
    st.integers(0, 4).flatmap(lambda places: st.decimals(-(10**9), 10**9, places=places)).map(lambda d: format(d, "f"))
)
PERIODS = st.one_of(st.integers(2561, 2580).map(str), st.sampled_from(["2561-2565", "2566-2570", "2571-2575"]))


@st.composite
def indicator_data(draw, code: str) -> dict:
    direction = draw(st.sampled_from(["higher", "lower", "range"]))
    data = {
        "code": code,
        "name_th": draw(TEXT),
        "unit": draw(st.sampled_from(["ร้อยละ", "คะแนน", "แห่ง"])),
        "direction": direction,
    }
    if draw(st.booleans()):
        data["baseline"] = {"value": draw(NUMBERS), "year": draw(st.integers(2550, 2570))}
    if draw(st.booleans()):
        data["responsible"] = "mfa"
    targets = []
    for period in draw(st.lists(PERIODS, unique=True, max_size=3)):
        target = {"period": period, "value": draw(NUMBERS)}
        if direction == "range" and draw(st.booleans()):
            target["max"] = format(Decimal(target["value"]) + abs(Decimal(draw(NUMBERS))), "f")
        targets.append(target)
    values = [
        {"period": period, "value": draw(NUMBERS), "evidence": draw(LONG_TEXT)}
        for period in draw(st.lists(PERIODS, unique=True, max_size=2))
    ]
    return {**data, "targets": targets, "values": values}


@st.composite
def plan_documents(draw) -> tuple[dict, int, int]:
    """A valid plan: up to 8 nodes with unique codes, at most 3 levels deep, each with up to 2 indicators."""
    codes = draw(st.lists(CODES, min_size=1, max_size=8, unique=True))
    nodes, depth = [], []
    indicators = 0
    for index, code in enumerate(codes):
        parents = [None] + [i for i in range(index) if depth[i] < 3]
        parent = draw(st.sampled_from(parents))
        depth.append(1 if parent is None else depth[parent] + 1)
        node = {
            "code": code,
            "title_th": draw(TEXT),
            "description": draw(LONG_TEXT),
            "illustrative": draw(st.booleans()),
            "children": [],
        }
        kpi_codes = draw(st.lists(CODES, max_size=2, unique=True))
        node["indicators"] = [draw(indicator_data(kpi)) for kpi in kpi_codes]
        indicators += len(kpi_codes)
        nodes.append(node)
        if parent is not None:
            nodes[parent]["children"].append(node)
    roots = [node for node, d in zip(nodes, depth, strict=True) if d == 1]
    document = {
        "format": "tidtam-plan/1",
        "framework": {"code": "generated", "title_th": draw(TEXT), "description": draw(LONG_TEXT)},
        "version": {
            "label": draw(st.sampled_from(["1", "2566", "v2"])),
            "title_th": draw(TEXT),
            "levels": [{"key": key, "th": draw(TEXT)} for key in ("a", "b", "c")],
        },
        "nodes": roots,
    }
    return document, len(codes), indicators


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(generated=plan_documents())
def test_generated_plans_round_trip(orgs, generated):
    document, node_count, indicator_count = generated
    source = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    with transaction.atomic():
        result = plan_import(actor=None, text=source)
        assert (result.counts["node"].created, result.counts["indicator"].created) == (node_count, indicator_count)
        first = plan_export(user=None, framework_code="generated")
        transaction.set_rollback(True)
    with transaction.atomic():
        plan_import(actor=None, text=first)
        assert plan_export(user=None, framework_code="generated") == first
        assert not plan_import(actor=None, text=first).changed
        transaction.set_rollback(True)
