"""Plan frameworks, their node trees, nodes and indicators. Public data: anyone may read it."""

from typing import Annotated, Literal

from ninja import Query, Router

from tidtam.api.auth import current_user
from tidtam.api.schemas import (
    ErrorOut,
    FrameworkListOut,
    FrameworkOut,
    IndicatorWithStatusesOut,
    NodeDetailOut,
    NodeListOut,
    ThaiInt,
)
from tidtam.core.errors import NotFound
from tidtam.evaluation.selectors import dashboard_basis, indicator_statuses
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.plans.selectors import (
    framework_get,
    framework_list,
    framework_version_get,
    indicator_get,
    nest_nodes,
    node_children,
    node_cross_links,
    node_crosswalks,
    node_get,
    node_indicators,
    node_list,
    nodes_with_child_counts,
)

router = Router(tags=["plans"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut}


@router.get("/frameworks", response={200: FrameworkListOut, 401: ErrorOut}, summary="กรอบแผนทั้งหมด / All frameworks")
def frameworks(request):
    """กรอบแผนทั้งหมดพร้อมฉบับปัจจุบัน / Every plan framework with its current version and version labels."""
    return {"results": framework_list(user=current_user(request)).prefetch_related("versions")}


@router.get("/frameworks/{code}", response={200: FrameworkOut, **ERRORS}, summary="กรอบแผน / A framework")
def framework(request, code: str):
    return framework_get(user=current_user(request), code=code)


def _share_version(nodes: list[Node], version: FrameworkVersion) -> None:
    """Point every node at the one version object already loaded, so serialising them needs no query per node."""
    for node in nodes:
        node.framework_version = version


def _preorder(nodes: list[Node]) -> list[Node]:
    return [item for node in nodes for item in (node, *_preorder(node.tree_children))]


@router.get(
    "/frameworks/{code}/nodes",
    response={200: NodeListOut, **ERRORS},
    summary="โหนดของกรอบแผน / The nodes of a framework",
)
def framework_nodes(
    request,
    code: str,
    version: Annotated[
        str | None, Query(description="ฉบับ (ไม่ระบุ = ฉบับปัจจุบัน) / Version label (default: current)")
    ] = None,
    parent: Annotated[
        str | None, Query(description="เฉพาะลูกหลานของโหนดรหัสนี้ / Only the descendants of this node code")
    ] = None,
    depth: Annotated[
        ThaiInt | None, Query(ge=1, le=50, description="จำนวนระดับใต้จุดเริ่ม / Levels below the start point")
    ] = None,
    format: Annotated[
        Literal["tree", "flat"], Query(description="tree: ซ้อนกัน / nested; flat: รายการเดียว / one list")
    ] = "tree",
):
    """โหนดทั้งต้นหรือบางส่วน / The node tree of a version, or the part below `parent`, `depth` levels deep.

    `tree` nests `children`; `flat` lists the same nodes in the same (depth-first) order. The whole tree is loaded in
    one query and nested in memory.
    """
    user = current_user(request)
    fw = framework_get(user=user, code=code)
    framework_version = framework_version_get(user=user, framework=fw, label=version)
    parent_node = None
    if parent:
        parent_node = node_list(user=user, framework_version=framework_version).filter(code=parent).first()
        if parent_node is None:
            raise NotFound("node_not_found", f"ไม่พบโหนด '{parent}' / No plan node '{parent}'", {"parent": parent})
    max_depth = None if depth is None else (parent_node.depth if parent_node else 0) + depth
    nodes = list(node_list(user=user, framework_version=framework_version, parent=parent_node, max_depth=max_depth))
    _share_version(nodes, framework_version)
    roots = nest_nodes(nodes)
    return {
        "framework": fw.code,
        "version": framework_version.label,
        "format": format,
        "results": roots if format == "tree" else _preorder(roots),
    }


@router.get("/nodes/{id}", response={200: NodeDetailOut, **ERRORS}, summary="โหนด / A plan node")
def node(request, id: ThaiInt):
    """โหนดพร้อมบรรพบุรุษ ลูก ตัวชี้วัด การเชื่อมโยง และการเทียบโยงระหว่างฉบับ / A node with its ancestors, children,
    indicators, cross-links to other frameworks and crosswalks to other versions."""
    user = current_user(request)
    node = node_get(user=user, pk=id)
    framework_version = node.framework_version
    nodes = node_list(user=user, framework_version=framework_version)
    ancestors = list(nodes.filter(code__in=node.path_codes[:-1]))
    children = list(node_children(user=user, framework_version=framework_version, parent=node))
    _share_version(ancestors + children, framework_version)
    node.child_count = len(children)
    links = node_cross_links(user=user, node=node)
    walks = list(node_crosswalks(user=user, node=node))
    others = nodes_with_child_counts(
        user=user,
        ids={link.target_id if link.source_id == node.pk else link.source_id for link in links}
        | {walk.to_node_id if walk.from_node_id == node.pk else walk.from_node_id for walk in walks},
    )
    cross_links = [
        {
            "kind": link.kind,
            "direction": "out" if link.source_id == node.pk else "in",
            "note": link.note,
            "node": others[other],
        }
        for link in links
        if (other := link.target_id if link.source_id == node.pk else link.source_id) in others
    ]
    crosswalks = [
        {
            "kind": walk.kind,
            "direction": "newer" if walk.from_node_id == node.pk else "older",
            "note": walk.note,
            "node": others[other],
        }
        for walk in walks
        if (other := walk.to_node_id if walk.from_node_id == node.pk else walk.from_node_id) in others
    ]
    node.ancestors = ancestors
    node.children_list = children
    node.indicator_list = list(node_indicators(user=user, node=node))
    node.cross_link_list = cross_links
    node.crosswalk_list = crosswalks
    return node


@router.get("/indicators/{id}", response={200: IndicatorWithStatusesOut, **ERRORS}, summary="ตัวชี้วัด / An indicator")
def indicator(
    request,
    id: ThaiInt,
    basis: Annotated[
        Literal["public", "review"] | None,
        Query(
            description="สถานะจาก review = รวมที่อนุมัติแล้วแต่ยังไม่ตรวจรับ (เฉพาะผู้ตรวจรับและผู้กำกับดูแล) / Statuses on "
            "the review basis: including approved, not yet accepted (reviewers and oversight only; others get public)"
        ),
    ] = None,
):
    """ตัวชี้วัดพร้อมค่าเป้าหมาย ค่าจริง สถานะรายปี และโหนดที่สังกัด / An indicator with its targets, actuals, node and
    its status per fiscal year (level, ratio and why, with the rule version). Each status row names its `basis`."""
    user = current_user(request)
    indicator = indicator_get(user=user, pk=id)
    used = dashboard_basis(user, basis)
    indicator.status_list = list(indicator_statuses(indicator=indicator, basis=used))
    return indicator
