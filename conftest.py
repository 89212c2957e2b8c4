import pytest
from django.core.cache import cache

from tidtam.core.testing import OrganisationFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttling counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is slow on purpose; tests only need passwords that work. `@pytest.mark.real_hashing` keeps Argon2."""
    if request.node.get_closest_marker("real_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    ministry = OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    department = OrganisationFactory(code="mfa-dept", parent=ministry, name_th="กรมทดสอบ")
    division = OrganisationFactory(code="mfa-div", parent=department, name_th="กองทดสอบ")
    other = OrganisationFactory(code="mod", name_th="กระทรวงกลาโหม")
    other_division = OrganisationFactory(code="mod-div", parent=other, name_th="กองกลาโหม")
    return {
        "ministry": ministry,
        "department": department,
        "division": division,
        "other": other,
        "other_division": other_division,
        "nesdc": OrganisationFactory(code="nesdc"),
        "senate": OrganisationFactory(code="senate"),
    }
