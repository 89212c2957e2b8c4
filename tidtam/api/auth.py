"""Who is calling: a bearer token, else the Django session (the interactive docs), else the anonymous public.

A bearer token that is present but invalid, expired or revoked is refused with 401; it never falls back to anonymous.
Session requests that write need a CSRF token (ninja's `SessionAuth` checks it); bearer requests do not.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from tidtam.accounts.services import token_authenticate
from tidtam.core.errors import NotAuthenticated


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a token from `POST /api/v1/auth/token`."""

    def __call__(self, request: HttpRequest):
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None  # no header, or another scheme (e.g. a proxy's Basic auth): not ours to judge
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is None:
            raise NotAuthenticated(
                "invalid_token",
                "โทเค็นไม่ถูกต้อง หมดอายุ หรือถูกเพิกถอนแล้ว / The token is invalid, expired or revoked",
            )
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The Django session of a signed-in user; unsafe methods must carry the CSRF token (checked by ninja)."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None  # no session user: nothing to protect, so no CSRF refusal for the anonymous public
        return super().__call__(request)


class Anonymous:
    """The last resort of public endpoints: the caller is the anonymous public (truthy, so ninja accepts it)."""

    def __call__(self, request: HttpRequest):
        return AnonymousUser()


bearer = BearerToken()
session = SessionAuth(csrf=True)
anonymous = Anonymous()

PUBLIC = [bearer, session, anonymous]
SIGNED_IN = [bearer, session]


def current_user(request: HttpRequest):
    """The user the request was authenticated as (an `AnonymousUser` for the public)."""
    return getattr(request, "auth", None) or AnonymousUser()
