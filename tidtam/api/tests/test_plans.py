import pytest
from django.test import Client

from tidtam.api.tests.helpers import API, LEVELS, assert_error
from tidtam.core.testing import FrameworkFactory, FrameworkVersionFactory, NodeFactory
from tidtam.core.thaicalendar import to_thai_digits

pytestmark = pytest.mark.django_db

NODE_FIELDS = {
    "id",
    "code",
    "title",
    "title_en",
    "level",
    "level_name",
    "path",
    "parent",
    "framework",
    "version",
    "description",
    "is_illustrative",
    "child_count",
}


def _get(url: str, status: int = 200) -> dict:
    response = Client().get(f"{API}{url}")
    assert response.status_code == status, response.content
    return response.json()


def _codes(nodes: list[dict]) -> list[str]:
    return [node["code"] for node in nodes]


def test_framework_list(plan):
    results = _get("/frameworks")["results"]
    assert _codes(results) == ["ns", "poa"]
    ns = results[0]
    assert ns["title"] == "ยุทธศาสตร์ชาติ" and ns["title_en"] == "National Strategy"
    assert ns["kind"] == "national_strategy"
    assert ns["versions"] == ["2561", "2566"]
    assert ns["current_version"]["label"] == "2566"
    assert ns["current_version"]["levels"] == LEVELS


def test_framework_detail(plan):
    assert _get("/frameworks/poa")["current_version"]["label"] == "1"
    assert_error(Client().get(f"{API}/frameworks/missing"), 404, "framework_not_found")


def test_framework_without_a_marked_current_version_shows_the_newest(db):
    framework = FrameworkFactory(code="x")
    FrameworkVersionFactory(framework=framework, label="2560", is_current=False)
    FrameworkVersionFactory(framework=framework, label="2565", is_current=False)
    assert _get("/frameworks/x")["current_version"]["label"] == "2565"
    assert _get("/frameworks")["results"][0]["current_version"]["label"] == "2565"


def test_node_tree(plan):
    body = _get("/frameworks/ns/nodes")
    assert (body["framework"], body["version"], body["format"]) == ("ns", "2566", "tree")
    tree = body["results"]
    assert _codes(tree) == ["1", "2"]
    assert _codes(tree[0]["children"]) == ["01"]
    assert _codes(tree[0]["children"][0]["children"]) == ["0101", "0102"]  # by sort order, not code
    assert _codes(tree[1]["children"]) == ["02"]
    leaf = tree[0]["children"][0]["children"][0]
    assert set(leaf) == NODE_FIELDS | {"children"}
    assert leaf["path"] == ["1", "01", "0101"]
    assert leaf["level"] == 3
    assert leaf["level_name"] == {"th": "แผนย่อย", "en": "Sub-plan"}
    assert leaf["parent"] == "01"
    assert (leaf["framework"], leaf["version"]) == ("ns", "2566")
    assert leaf["title"] == "โหนด 0101" and leaf["title_en"] == "Node 0101"
    assert leaf["child_count"] == 0 and leaf["children"] == []
    assert tree[0]["parent"] is None and tree[0]["level"] == 1 and tree[0]["child_count"] == 1


def test_node_flat_list_is_depth_first_without_children(plan):
    body = _get("/frameworks/ns/nodes?format=flat")
    assert body["format"] == "flat"
    assert _codes(body["results"]) == ["1", "01", "0101", "0102", "2", "02"]
    assert all(set(node) == NODE_FIELDS for node in body["results"])


def test_node_depth_filter(plan):
    tree = _get("/frameworks/ns/nodes?depth=1")["results"]
    assert _codes(tree) == ["1", "2"]
    assert all(node["children"] == [] and node["child_count"] == 1 for node in tree)
    flat = _get("/frameworks/ns/nodes?depth=2&format=flat")["results"]
    assert _codes(flat) == ["1", "01", "2", "02"]


def test_node_parent_filter(plan):
    assert _codes(_get("/frameworks/ns/nodes?parent=01")["results"]) == ["0101", "0102"]
    tree = _get("/frameworks/ns/nodes?parent=1")["results"]
    assert _codes(tree) == ["01"] and _codes(tree[0]["children"]) == ["0101", "0102"]
    # depth counts from the parent
    tree = _get("/frameworks/ns/nodes?parent=1&depth=1")["results"]
    assert _codes(tree) == ["01"] and tree[0]["children"] == []
    assert _codes(_get("/frameworks/ns/nodes?parent=0101")["results"]) == []
    assert_error(Client().get(f"{API}/frameworks/ns/nodes?parent=99"), 404, "node_not_found")


def test_node_version_filter(plan):
    body = _get("/frameworks/ns/nodes?version=2561&format=flat")
    assert body["version"] == "2561"
    assert _codes(body["results"]) == ["1", "01"]
    assert {node["version"] for node in body["results"]} == {"2561"}
    assert _codes(_get("/frameworks/ns/nodes?version=2561&parent=1")["results"]) == ["01"]
    assert_error(Client().get(f"{API}/frameworks/ns/nodes?version=2500"), 404, "framework_version_not_found")


def _big_tree(width: int) -> None:
    version = FrameworkVersionFactory(framework=FrameworkFactory(code="big"), label="1")
    for a in range(width):
        top = NodeFactory(framework_version=version, code=f"{a}")
        for b in range(width):
            middle = NodeFactory(framework_version=version, code=f"{a}-{b}", parent=top)
            for c in range(width):
                NodeFactory(framework_version=version, code=f"{a}-{b}-{c}", parent=middle)


def test_node_tree_query_budget_does_not_grow_with_the_tree(db, django_assert_max_num_queries):
    _big_tree(6)  # 6 + 36 + 216 nodes
    client = Client()
    with django_assert_max_num_queries(4):
        body = client.get(f"{API}/frameworks/big/nodes").json()
    assert len(body["results"]) == 6 and len(body["results"][5]["children"][5]["children"]) == 6
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{API}/frameworks/big/nodes?format=flat&parent=3&depth=1").json()["results"]) == 6


def test_framework_list_query_budget(db, django_assert_max_num_queries):
    frameworks = [FrameworkFactory(code=f"f{n}") for n in range(8)]
    for framework in frameworks:
        FrameworkVersionFactory(framework=framework, label="1", is_current=False)
        FrameworkVersionFactory(framework=framework, label="2", is_current=True)
    with django_assert_max_num_queries(2):
        results = Client().get(f"{API}/frameworks").json()["results"]
    assert len(results) == 8 and all(f["current_version"]["label"] == "2" for f in results)


def test_node_detail(plan, django_assert_max_num_queries):
    node = plan.nodes["0101"]
    with django_assert_max_num_queries(12):
        body = _get(f"/nodes/{node.pk}")
    assert body["code"] == "0101" and body["path"] == ["1", "01", "0101"] and body["level"] == 3
    assert _codes(body["ancestors"]) == ["1", "01"]
    assert body["ancestors"][1]["child_count"] == 2
    assert body["children"] == [] and body["child_count"] == 0
    [indicator] = body["indicators"]
    assert indicator["code"] == "KPI-1" and indicator["name"] == "ร้อยละความสำเร็จ"
    assert indicator["baseline"] == {"value": 40.5, "year": 2565}
    assert indicator["responsible_organisation"] == {
        "code": "mfa",
        "name": "กระทรวงการต่างประเทศ",
        "name_en": "Ministry of Foreign Affairs",
    }
    assert indicator["targets"] == [{"period_start": 2566, "period_end": 2570, "value": 80.0, "value_max": None}]
    assert indicator["values"] == [
        {"period_start": 2567, "period_end": 2567, "value": 65.25, "evidence": "รายงานประจำปี", "source_url": ""}
    ]
    links = {(link["direction"], link["kind"]): link["node"] for link in body["cross_links"]}
    assert set(links) == {("in", "supports"), ("out", "conflicts_with")}
    assert links["in", "supports"]["code"] == "P1" and links["in", "supports"]["framework"] == "poa"
    assert set(links["in", "supports"]) == NODE_FIELDS
    assert body["crosswalks"] == []


def test_node_detail_children_and_crosswalks(plan):
    body = _get(f"/nodes/{plan.nodes['01'].pk}")
    assert _codes(body["children"]) == ["0101", "0102"] and body["child_count"] == 2
    [walk] = body["crosswalks"]
    assert (walk["direction"], walk["kind"]) == ("older", "revised")
    assert (walk["node"]["code"], walk["node"]["version"]) == ("01", "2561")
    [walk] = _get(f"/nodes/{plan.old_nodes['01'].pk}")["crosswalks"]
    assert walk["direction"] == "newer" and walk["node"]["id"] == plan.nodes["01"].pk


def test_indicator_detail(plan):
    body = _get(f"/indicators/{plan.indicator.pk}")
    assert body["code"] == "KPI-1" and body["unit"] == "ร้อยละ" and body["direction"] == "higher"
    assert body["node"] == {
        "id": plan.nodes["0101"].pk,
        "code": "0101",
        "title": "โหนด 0101",
        "title_en": "Node 0101",
        "level": 3,
        "path": ["1", "01", "0101"],
        "framework": "ns",
        "version": "2566",
    }
    assert body["targets"][0]["value"] == 80.0


def test_numbers_may_be_typed_in_thai_digits(plan):
    assert _codes(_get("/frameworks/ns/nodes?depth=๑")["results"]) == ["1", "2"]
    assert _get(f"/nodes/{to_thai_digits(str(plan.nodes['0101'].pk))}")["code"] == "0101"
    assert _get(f"/indicators/{to_thai_digits(str(plan.indicator.pk))}")["code"] == "KPI-1"
    assert_error(Client().get(f"{API}/frameworks/ns/nodes?depth=๐"), 400, "validation_error")  # still at least 1
