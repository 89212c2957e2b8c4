"""The signed-in caller."""

from ninja import Router

from tidtam.accounts.selectors import user_memberships
from tidtam.api.auth import SIGNED_IN, current_user
from tidtam.api.schemas import ErrorOut, MeOut

router = Router(tags=["me"])


@router.get("/me", auth=SIGNED_IN, response={200: MeOut, 401: ErrorOut}, summary="ผู้ใช้ปัจจุบัน / Who am I")
def me(request):
    """ชื่อผู้ใช้และบทบาทของผู้ที่เข้าสู่ระบบ / The signed-in user's name and memberships."""
    user = current_user(request)
    memberships = [
        {"organisation": m.organisation.code, "organisation_name": m.organisation.name_th, "role": m.role}
        for m in user_memberships(user=user)
    ]
    return {"username": user.username, "name": user.get_full_name(), "memberships": memberships}
