from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from tidtam.accounts.choices import Role
from tidtam.accounts.models import ApiToken, Membership
from tidtam.accounts.services import (
    login_check,
    membership_grant,
    membership_revoke,
    token_authenticate,
    token_issue,
    token_revoke,
    user_create,
)
from tidtam.core.errors import Forbidden, NotAuthenticated, Throttled
from tidtam.core.models import AuditEntry
from tidtam.core.testing import PASSWORD, OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.mark.real_hashing
def test_passwords_are_hashed_with_argon2():
    user = user_create(actor=None, username="somchai", password="a-long-passphrase")
    assert user.password.startswith("argon2")
    assert AuditEntry.objects.get(object_type="user").after.get("password") is None


def test_membership_grant_and_revoke_are_audited_and_scoped():
    ministry = OrganisationFactory(code="mfa")
    admin = member(Role.ADMIN, OrganisationFactory(code="nesdc"))
    user = UserFactory()
    membership = membership_grant(actor=admin, user=user, organisation=ministry, role=Role.REPORTER)
    membership_revoke(actor=admin, membership=membership, reason="moved job")
    assert not Membership.objects.filter(user=user).exists()
    actions = list(AuditEntry.objects.filter(object_type="membership").values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete"]
    approver = member(Role.APPROVER, ministry)
    with pytest.raises(Forbidden):
        membership_grant(actor=approver, user=user, organisation=ministry, role=Role.ADMIN)


def test_tokens_authenticate_until_revoked_or_expired():
    user = UserFactory()
    token, secret = token_issue(user=user, name="agency system")
    assert token_authenticate(secret) == user
    assert token.key_hash != secret and secret not in str(AuditEntry.objects.get(object_type="apitoken").after)
    assert token_authenticate(secret + "x") is None
    assert token_authenticate("not-a-token") is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_authenticate(secret) is None
    token2, secret2 = token_issue(user=user)
    token_revoke(actor=user, token=token2)
    assert token_authenticate(secret2) is None


def test_inactive_users_tokens_stop_working():
    user = UserFactory()
    _, secret = token_issue(user=user)
    user.is_active = False
    user.save()
    assert token_authenticate(secret) is None


@override_settings(LOGIN_MAX_FAILURES=3)
def test_login_is_throttled_per_username_after_repeated_failures():
    user = UserFactory(username="target")
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            login_check(username="target", password="wrong", client=f"10.0.0.{_}")
    with pytest.raises(Throttled) as raised:
        login_check(username="target", password=PASSWORD, client="10.0.0.9")
    assert raised.value.status == 429 and raised.value.retry_after > 0
    assert user.check_password(PASSWORD)  # throttled although the password is right


@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_successful_login_clears_the_username_counter():
    UserFactory(username="forgetful")
    for n in range(2):
        with pytest.raises(NotAuthenticated):
            login_check(username="forgetful", password="wrong", client=f"10.1.0.{n}")
    login_check(username="forgetful", password=PASSWORD, client="10.1.0.5")
    for n in range(2):
        with pytest.raises(NotAuthenticated):
            login_check(username="forgetful", password="wrong", client=f"10.2.0.{n}")
    assert login_check(username="forgetful", password=PASSWORD, client="10.3.0.1").username == "forgetful"


@override_settings(LOGIN_MAX_FAILURES=3)
def test_login_is_throttled_per_client_across_usernames():
    UserFactory(username="someone")
    for n in range(3):
        with pytest.raises(NotAuthenticated):
            login_check(username=f"guess{n}", password="wrong", client="203.0.113.7")
    with pytest.raises(Throttled):
        login_check(username="someone", password=PASSWORD, client="203.0.113.7")
    assert login_check(username="someone", password=PASSWORD, client="198.51.100.1").username == "someone"
