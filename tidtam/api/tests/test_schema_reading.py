"""The output schemas read a model instance in one pass (tidtam.api.schemas.Schema); the result must be what ninja's
own way (a `DjangoGetter` per attribute, used for anything that is not a model instance) gives."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tidtam.accounts.choices import Role
from tidtam.api.schemas import NodeTreeOut, ProjectSummaryOut, ReportSummaryOut
from tidtam.core.testing import ReportFactory, member, submittable_project
from tidtam.plans.models import Node
from tidtam.plans.selectors import nest_nodes
from tidtam.workflow.choices import WorkflowStatus as S

pytestmark = pytest.mark.django_db


class Proxy:
    """Not a model instance: sends the schema down ninja's path, reading the same object."""

    def __init__(self, obj):
        self._obj = obj

    def __getattr__(self, name):
        return getattr(self._obj, name)


def _context(user) -> dict:
    request = RequestFactory().get("/api/v1/")
    request.user = request.auth = user  # as the API's authentication leaves them
    return {"request": request}


def test_projects_and_reports_read_as_ninja_reads_them():
    project = submittable_project(status=S.ACCEPTED, return_reason="โปรดแก้ไข")
    report = ReportFactory(project=project, status=S.SUBMITTED, return_reason="ขาดหลักฐาน")
    context = _context(AnonymousUser())
    for schema, obj in ((ProjectSummaryOut, project), (ReportSummaryOut, report)):
        fast = schema.model_validate(obj, context=context).model_dump()
        assert fast == schema.model_validate(Proxy(obj), context=context).model_dump()
        assert fast["links"]["self"].startswith("/api/v1/")
        assert fast["return_reason"] == ""  # hidden from the public
    primary = ProjectSummaryOut.model_validate(project, context=context).primary_node
    assert primary.code == project.contributions.get().node.code


def test_resolvers_get_the_callers_context_on_the_fast_path():
    report = ReportFactory(status=S.SUBMITTED, return_reason="ขาดหลักฐาน")
    staff = _context(member(Role.REPORTER, report.project.owner))
    assert ReportSummaryOut.model_validate(report, context=staff).return_reason == "ขาดหลักฐาน"


def test_a_recursive_tree_reads_whole():
    leaf = submittable_project().contributions.get().node
    nodes = list(Node.objects.filter(framework_version=leaf.framework_version).order_by("tree_path"))
    for node in nodes:
        node.child_count = sum(1 for other in nodes if other.parent_id == node.pk)
    (root,) = nest_nodes(nodes)
    tree = NodeTreeOut.model_validate(root, context=_context(AnonymousUser())).model_dump()
    assert tree == NodeTreeOut.model_validate(Proxy(root), context=_context(AnonymousUser())).model_dump()
    assert [child["code"] for child in tree["children"]] == [leaf.code]
    assert tree["children"][0]["parent"] == root.code
