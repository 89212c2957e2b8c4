"""Writes to users, memberships and API tokens; signing in with throttling."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tidtam.accounts.models import ApiToken, Membership, User
from tidtam.core.audit import audit_record, snapshot
from tidtam.core.errors import NotAuthenticated, Throttled
from tidtam.core.permissions import Action, require
from tidtam.core.services import create_audited, delete_audited, validate
from tidtam.organisations.models import Organisation

TOKEN_PREFIX = "tdt_"


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    if actor is not None:
        require(actor, Action.CREATE, User)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate(user, exclude=["password"])
    user.save(force_insert=True)
    audit_record(actor=actor, action="create", obj=user)
    return user


@transaction.atomic
def membership_grant(*, actor, user: User, organisation: Organisation, role: str) -> Membership:
    membership = Membership(user=user, organisation=organisation, role=role)
    if actor is not None:
        require(actor, Action.CREATE, membership)
    return create_audited(actor=actor, obj=membership)


@transaction.atomic
def membership_revoke(*, actor, membership: Membership, reason: str = "") -> None:
    if actor is not None:
        require(actor, Action.DELETE, membership)
    delete_audited(actor=actor, obj=membership, reason=reason)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it and the secret, which is never stored and cannot be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name[:100],
        prefix=secret[:12],
        key_hash=_hash(secret),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    token.save(force_insert=True)
    after = snapshot(token)
    after.pop("key_hash")
    audit_record(actor=user, action="create", obj=token, after=after)
    return token, secret


def token_authenticate(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="revoke", obj=token, before=before)


def _failure_keys(username: str, client: str) -> list[str]:
    return [f"login-fail:user:{username.lower()}", f"login-fail:client:{client}"]


def login_check(*, username: str, password: str, client: str) -> User:
    """The user these credentials belong to. Too many recent failures for the username or client give 429."""
    keys = _failure_keys(username, client)
    window = settings.LOGIN_FAILURE_WINDOW
    if any((cache.get(key) or 0) >= settings.LOGIN_MAX_FAILURES for key in keys):
        raise Throttled(
            "login_throttled",
            "เข้าสู่ระบบผิดพลาดหลายครั้งเกินไป โปรดลองใหม่ภายหลัง / Too many failed sign-ins; try again later",
            retry_after=window,
        )
    user = authenticate(username=username, password=password)
    if user is None:
        for key in keys:
            cache.add(key, 0, window)
            cache.incr(key)
        raise NotAuthenticated("invalid_credentials", "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง / Wrong username or password")
    cache.delete(keys[0])
    return user
