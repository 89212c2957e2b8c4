"""Signing in for the API: exchange a username and password for a bearer token."""

from ninja import Router

from tidtam.accounts.services import login_check, token_issue
from tidtam.api.schemas import ErrorOut, TokenIn, TokenOut

router = Router(tags=["auth"])


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    summary="ขอโทเค็น / Get a token",
)
def token_create(request, payload: TokenIn):
    """แลกชื่อผู้ใช้และรหัสผ่านเป็นโทเค็น / Exchange a username and password for a bearer token.

    Too many failed attempts for the username or from the client address give 429 with `Retry-After`.
    """
    user = login_check(username=payload.username, password=payload.password, client=request.META.get("REMOTE_ADDR", ""))
    token, secret = token_issue(user=user, name=payload.name)
    return {"token": secret, "expires_at": token.expires_at}
