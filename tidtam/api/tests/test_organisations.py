import pytest
from django.test import Client

from tidtam.api.pagination import encode_cursor
from tidtam.api.tests.helpers import API, assert_error
from tidtam.core.testing import OrganisationFactory
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation

pytestmark = pytest.mark.django_db

FIELDS = {
    "code",
    "name",
    "name_en",
    "abbreviation",
    "abbreviation_en",
    "kind",
    "parent",
    "path",
    "depth",
    "country_code",
    "website",
    "is_active",
}


@pytest.fixture
def tree(db):
    """3 ministries, 9 departments, 18 divisions (30 organisations), and one inactive ministry."""
    for m in range(3):
        ministry = OrganisationFactory(
            code=f"m{m}", name_th=f"กระทรวง {m}", name_en=f"Ministry {m}", abbreviation_th=f"กท{m}"
        )
        for d in range(3):
            department = OrganisationFactory(
                code=f"m{m}-d{d}",
                parent=ministry,
                kind=OrganisationKind.DEPARTMENT,
                name_th=f"กรม {m}.{d}",
                name_en=f"Department {m}.{d}",
            )
            for v in range(2):
                OrganisationFactory(
                    code=f"m{m}-d{d}-v{v}",
                    parent=department,
                    kind=OrganisationKind.DIVISION,
                    name_th=f"กอง {m}.{d}.{v}",
                    name_en=f"Division {m}.{d}.{v}",
                )
    OrganisationFactory(code="gone", is_active=False)


def _all_pages(query: str, limit: int) -> list[str]:
    codes, cursor, pages = [], None, 0
    while True:
        url = f"{API}/organisations?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        body = Client().get(url).json()
        codes += [o["code"] for o in body["results"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return codes
        assert len(body["results"]) == limit and pages < 100


@pytest.mark.parametrize("limit", [1, 4, 5, 30, 100])
def test_pages_cover_everything_once_in_tree_order(tree, limit):
    codes = _all_pages("", limit)
    expected = list(Organisation.objects.filter(is_active=True).order_by("path").values_list("code", flat=True))
    assert len(expected) == 30
    assert codes == expected
    assert codes.index("m0") < codes.index("m0-d0") < codes.index("m0-d0-v0") < codes.index("m1")


def test_pages_are_stable_and_survive_inserts(tree):
    first = Client().get(f"{API}/organisations?limit=5").json()
    again = Client().get(f"{API}/organisations?limit=5").json()
    assert first == again
    # An organisation added before the cursor does not shift the next page (no duplicates, no gaps).
    second_before = Client().get(f"{API}/organisations?limit=5&cursor={first['next']}").json()
    OrganisationFactory(code="a-new", name_th="ใหม่")
    second_after = Client().get(f"{API}/organisations?limit=5&cursor={first['next']}").json()
    assert second_before == second_after


def test_fields_and_no_personal_data(tree):
    division = next(
        o for o in Client().get(f"{API}/organisations?limit=100").json()["results"] if o["code"] == "m1-d2-v0"
    )
    assert set(division) == FIELDS
    assert division["path"] == ["m1", "m1-d2", "m1-d2-v0"]
    assert division["parent"] == "m1-d2" and division["depth"] == 3
    assert division["name"] == "กอง 1.2.0" and division["kind"] == "division"


def test_filters(tree):
    def codes(query):
        return [o["code"] for o in Client().get(f"{API}/organisations?limit=100&{query}").json()["results"]]

    assert codes("kind=ministry") == ["m0", "m1", "m2"]
    assert codes("parent=m2-d1") == ["m2-d1", "m2-d1-v0", "m2-d1-v1"]
    assert codes("q=กรม 1.") == ["m1-d0", "m1-d1", "m1-d2"]
    assert codes("q=division 0.2") == ["m0-d2-v0", "m0-d2-v1"]  # English, any case
    assert codes("q=กท2") == ["m2"]  # abbreviation
    assert codes("parent=nothing") == []
    # Filters and paging combine.
    assert _all_pages("&kind=division", 4) == codes("kind=division")


def test_kind_and_parent_filters_combine(tree):
    body = Client().get(f"{API}/organisations?kind=department&parent=m0").json()
    assert [o["code"] for o in body["results"]] == ["m0-d0", "m0-d1", "m0-d2"]


def test_bad_paging_parameters_are_400(tree):
    assert_error(Client().get(f"{API}/organisations?limit=0"), 400, "validation_error")
    assert_error(Client().get(f"{API}/organisations?limit=501"), 400, "validation_error")
    body = assert_error(Client().get(f"{API}/organisations?cursor=%%%"), 400, "validation_error")
    assert list(body["details"]) == ["cursor"]
    # A well-formed cursor past the end is simply an empty last page.
    body = Client().get(f"{API}/organisations?cursor={encode_cursor('/zzz/')}").json()
    assert body == {"results": [], "next": None}


def test_detail_includes_inactive_and_404(tree):
    assert Client().get(f"{API}/organisations/m0-d1").json()["parent"] == "m0"
    assert Client().get(f"{API}/organisations/gone").json()["is_active"] is False
    assert_error(Client().get(f"{API}/organisations/nope"), 404, "organisation_not_found")


def test_list_query_budget(tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(Client().get(f"{API}/organisations?limit=10&parent=m1").json()["results"]) == 10
    with django_assert_max_num_queries(1):
        assert len(Client().get(f"{API}/organisations?limit=100").json()["results"]) == 30


def test_limit_in_thai_digits(tree):
    assert len(Client().get(f"{API}/organisations?limit=๕").json()["results"]) == 5
