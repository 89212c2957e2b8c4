"""Reads of plan frameworks. Every selector takes the user and starts from what that user may see."""

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from tidtam.core.errors import NotFound
from tidtam.core.permissions import Action, restrict
from tidtam.plans.models import CrossLink, Crosswalk, Framework, FrameworkVersion, Indicator, IndicatorTarget, Node


def framework_list(*, user) -> QuerySet[Framework]:
    return restrict(user, Action.VIEW, Framework.objects.all(), organisation_field=None)


def framework_get(*, user, code: str) -> Framework:
    framework = framework_list(user=user).filter(code=code).first()
    if framework is None:
        raise NotFound("framework_not_found", f"ไม่พบกรอบแผน '{code}' / No framework '{code}'", {"code": code})
    return framework


def current_version(versions: Iterable[FrameworkVersion]) -> FrameworkVersion | None:
    """The version shown by default: the one marked current, else the newest label (in memory, so a prefetched list
    costs no query)."""
    versions = list(versions)
    return next((v for v in versions if v.is_current), None) or max(versions, key=lambda v: v.label, default=None)


def framework_version_get(*, user, framework: Framework, label: str | None = None) -> FrameworkVersion:
    """The named version of a framework, or its current one (the newest when none is marked current)."""
    versions = framework.versions.all()
    version = versions.filter(label=label).first() if label else current_version(versions)
    if version is None:
        raise NotFound(
            "framework_version_not_found",
            "ไม่พบฉบับของกรอบแผน / No such framework version",
            {"framework": framework.code, "version": label},
        )
    return version


def node_list(
    *,
    user,
    framework_version: FrameworkVersion,
    parent: Node | None = None,
    max_depth: int | None = None,
    root_only: bool = False,
) -> QuerySet[Node]:
    """Nodes of a version in tree order, optionally below `parent`, down to `max_depth`; with their child counts."""
    nodes = restrict(
        user, Action.VIEW, Node.objects.filter(framework_version=framework_version), organisation_field=None
    )
    if parent is not None:
        nodes = nodes.filter(tree_path__startswith=parent.tree_path).exclude(pk=parent.pk)
        if root_only:
            nodes = nodes.filter(parent=parent)
    elif root_only:
        nodes = nodes.filter(parent__isnull=True)
    if max_depth is not None:
        nodes = nodes.filter(depth__lte=max_depth)
    return nodes.annotate(child_count=Count("children", distinct=True)).order_by(
        "depth", "parent_id", "sort_order", "code"
    )


def node_children(*, user, framework_version: FrameworkVersion, parent: Node | None) -> QuerySet[Node]:
    """The direct children of `parent` (the top level when None), in order, with their child counts."""
    return node_list(user=user, framework_version=framework_version, parent=parent, root_only=True)


def nest_nodes(nodes: list[Node]) -> list[Node]:
    """Hang every node under its parent (`tree_children`; nodes come parents first) and return the top nodes, in the
    given order. Builds a whole tree from one query."""
    by_id = {node.pk: node for node in nodes}
    roots = []
    for node in nodes:
        node.tree_children = []
    for node in nodes:
        parent = by_id.get(node.parent_id)
        (parent.tree_children if parent is not None else roots).append(node)
    return roots


def with_versions(nodes: Iterable[Node]) -> None:
    """Point each node at its framework version (framework loaded), one object per version: one query in all."""
    nodes = list(nodes)
    versions = FrameworkVersion.objects.select_related("framework").in_bulk({n.framework_version_id for n in nodes})
    for node in nodes:
        node.framework_version = versions[node.framework_version_id]


def node_get(*, user, pk: int) -> Node:
    node = (
        restrict(user, Action.VIEW, Node.objects.all(), organisation_field=None)
        .select_related("framework_version__framework", "parent")
        .filter(pk=pk)
        .first()
    )
    if node is None:
        raise NotFound("node_not_found", f"ไม่พบโหนด {pk} / No plan node {pk}", {"id": pk})
    return node


def node_ancestors(*, node: Node) -> list[Node]:
    """The nodes from the root down to `node`'s parent, in one query."""
    codes = node.path_codes[:-1]
    by_code = {n.code: n for n in Node.objects.filter(framework_version_id=node.framework_version_id, code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def node_indicators(*, user, node: Node) -> QuerySet[Indicator]:
    return (
        restrict(user, Action.VIEW, node.indicators.all(), organisation_field=None)
        .select_related("responsible_organisation")
        .prefetch_related(Prefetch("targets", queryset=IndicatorTarget.objects.order_by("period_start")), "values")
    )


def node_cross_links(*, user, node: Node) -> list[CrossLink]:
    """Links from and to `node`, with the node at the other end and its framework."""
    related = ("source__framework_version__framework", "target__framework_version__framework")
    outgoing = CrossLink.objects.filter(source=node).select_related(*related)
    incoming = CrossLink.objects.filter(target=node).select_related(*related)
    return list(outgoing) + list(incoming)


def indicator_get(*, user, pk: int) -> Indicator:
    indicator = (
        restrict(user, Action.VIEW, Indicator.objects.all(), organisation_field=None)
        .select_related("node__framework_version__framework", "responsible_organisation")
        .prefetch_related("targets", "values")
        .filter(pk=pk)
        .first()
    )
    if indicator is None:
        raise NotFound("indicator_not_found", f"ไม่พบตัวชี้วัด {pk} / No indicator {pk}", {"id": pk})
    return indicator


def node_crosswalks(*, user, node: Node) -> QuerySet[Crosswalk]:
    """Crosswalks from this node to a newer version's node, and from an older version's node to this one."""
    crosswalks = restrict(user, Action.VIEW, Crosswalk.objects.all(), organisation_field=None)
    return crosswalks.filter(Q(from_node=node) | Q(to_node=node)).order_by("id")


def nodes_with_child_counts(*, user, ids: set[int]) -> dict[int, Node]:
    """The nodes with these ids (those the user may see), with framework, version and child count, in one query."""
    nodes = restrict(user, Action.VIEW, Node.objects.filter(pk__in=ids), organisation_field=None)
    nodes = nodes.select_related("framework_version__framework").annotate(child_count=Count("children"))
    return {node.pk: node for node in nodes}
