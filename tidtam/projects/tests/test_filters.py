"""ProjectFilters: every filter on its own, combinations, and each bad parameter named in the error."""

import pytest
from django.http import QueryDict

from tidtam.core.errors import ValidationFailed
from tidtam.core.testing import OrganisationFactory
from tidtam.projects.filters import ProjectFilters
from tidtam.projects.selectors import project_list
from tidtam.projects.tests.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(orgs, people, plan):
    reporter = people["reporter"]
    mod_reporter = people["wrong_org"]
    return {
        "security": make_project(
            orgs.division,
            reporter,
            plan,
            code="SEC-1",
            name_th="ความมั่นคงทางทะเล",
            name_en="Maritime security",
            fiscal_year_start=2567,
            fiscal_year_end=2569,
            provinces=["10"],
            lifecycle="ongoing",
        ),
        "factor": make_project(
            orgs.department,
            reporter,
            plan,
            code="FAC-1",
            name_th="เสริมสร้างปัจจัย",
            primary_node=plan.factor.pk,
            fiscal_year_start=2570,
            kind="routine",
        ),
        "poa": make_project(
            orgs.other,
            mod_reporter,
            plan,
            code="POA-1",
            name_th="ความร่วมมืออาเซียน",
            primary_node=plan.other_target.pk,
            provinces=["50"],
            lifecycle="completed",
        ),
        "unlinked": make_project(orgs.ministry, reporter, plan, code="NOL-1", name_th="ยังไม่เชื่อม", primary_node=None),
    }


def codes(user, query) -> set[str]:
    return set(project_list(user=user, filters=ProjectFilters.from_query(query)).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"SEC-1", "FAC-1", "POA-1", "NOL-1"}),
        ({"q": "maritime"}, {"SEC-1"}),
        ({"q": "ความ"}, {"SEC-1", "POA-1"}),
        ({"q": "fac-"}, {"FAC-1"}),
        ({"organisation": "mfa"}, {"SEC-1", "FAC-1", "NOL-1"}),  # the subtree
        ({"organisation": "mfa-dept"}, {"SEC-1", "FAC-1"}),
        ({"organisation": "mod"}, {"POA-1"}),
        ({"framework": "ns"}, {"SEC-1", "FAC-1"}),
        ({"framework": "poa"}, {"POA-1"}),
        ({"fiscal_year": "2568"}, {"SEC-1", "POA-1", "NOL-1"}),
        ({"fiscal_year": "๒๕๖๙"}, {"SEC-1"}),
        ({"fiscal_year": "2570"}, {"FAC-1"}),
        ({"province": "10"}, {"SEC-1"}),
        ({"province": "๕๐"}, {"POA-1"}),
        ({"status": "draft"}, {"SEC-1", "FAC-1", "POA-1", "NOL-1"}),
        ({"status": "accepted"}, set()),
        ({"lifecycle": "ongoing"}, {"SEC-1"}),
        ({"lifecycle": "completed"}, {"POA-1"}),
        ({"kind": "routine"}, {"FAC-1"}),
        ({"framework": "ns", "organisation": "mfa-div", "fiscal_year": 2569}, {"SEC-1"}),
        ({"q": "", "status": "", "page": "3"}, {"SEC-1", "FAC-1", "POA-1", "NOL-1"}),  # blanks and unknowns ignored
    ],
)
def test_each_filter(data, people, query, expected):
    assert codes(people["reviewer"], query) == expected


def test_node_filter_covers_the_subtree(data, people, plan):
    reviewer = people["reviewer"]
    assert codes(reviewer, {"node": plan.target.pk}) == {"SEC-1", "FAC-1"}  # the factor lies under the target
    assert codes(reviewer, {"node": plan.factor.pk}) == {"FAC-1"}
    assert codes(reviewer, {"node": str(plan.strategy.pk)}) == {"SEC-1", "FAC-1"}
    assert codes(reviewer, {"node": plan.other_target.pk}) == {"POA-1"}


def test_secondary_links_count_once(data, people, plan, orgs):
    make_project(
        orgs.division,
        people["reporter"],
        plan,
        code="TWO-1",
        secondary_nodes=[plan.factor.pk, plan.master_plan.pk],
    )
    rows = list(
        project_list(
            user=people["reviewer"], filters=ProjectFilters.from_query({"node": plan.strategy.pk})
        ).values_list("code", flat=True)
    )
    assert sorted(rows) == ["FAC-1", "SEC-1", "TWO-1"]  # no duplicates from the three links


def test_filters_stay_within_what_the_user_may_see(data, people):
    assert codes(people["wrong_org"], {"q": "ความ"}) == {"POA-1"}
    assert codes(None, {}) == set()  # anonymous: nothing is accepted


def test_from_query_accepts_a_querydict_and_round_trips(plan):
    query = QueryDict("q=%E0%B8%9B&fiscal_year=%E0%B9%92%E0%B9%95%E0%B9%96%E0%B9%98&status=draft&page=2")
    filters = ProjectFilters.from_query(query)
    assert (filters.q, filters.fiscal_year, filters.status) == ("ป", 2568, "draft")
    assert filters.as_query() == {"q": "ป", "fiscal_year": "2568", "status": "draft"}
    assert ProjectFilters.from_query(filters.as_query()) == filters
    assert ProjectFilters.from_query({}).is_empty


@pytest.mark.parametrize(
    ("query", "bad"),
    [
        ({"fiscal_year": "abc"}, "fiscal_year"),
        ({"fiscal_year": "25x8"}, "fiscal_year"),
        ({"node": "abc"}, "node"),
        ({"node": "999999"}, "node"),
        ({"node": "-1"}, "node"),
        ({"organisation": "nobody"}, "organisation"),
        ({"framework": "nope"}, "framework"),
        ({"province": "99"}, "province"),
        ({"status": "lost"}, "status"),
        ({"lifecycle": "paused"}, "lifecycle"),
        ({"kind": "programme"}, "kind"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_bad_parameters_are_named(db, query, bad):
    with pytest.raises(ValidationFailed) as raised:
        ProjectFilters.from_query(query)
    assert raised.value.code == "invalid_filter" and raised.value.status == 400
    assert list(raised.value.details) == [bad]
    assert bad in raised.value.message


def test_all_bad_parameters_are_reported_together(db):
    with pytest.raises(ValidationFailed) as raised:
        ProjectFilters.from_query({"fiscal_year": "x", "status": "y", "kind": "z"})
    assert set(raised.value.details) == {"fiscal_year", "status", "kind"}


def test_organisation_filter_is_a_path_prefix_not_a_substring(data, people):
    OrganisationFactory(code="mf")  # "/mf/" must not match "/mfa/…"
    assert codes(people["reviewer"], {"organisation": "mf"}) == set()
