"""Give every request an id, so audit entries written while serving it can be traced back to it."""

import re
import uuid
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class ThaiFirstLocaleMiddleware:
    """Thai unless the visitor chose another language with the switch (the language cookie). Unlike Django's
    LocaleMiddleware, the browser's Accept-Language is not consulted: tidtam is Thai first for everyone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


NUL_MESSAGE = "ค่าที่ส่งมามีอักขระ NUL ซึ่งใช้ไม่ได้ / A parameter contains a NUL character, which is not allowed"


class RejectNulMiddleware:
    """Answer 400 when a query or form parameter holds a NUL character: no database stores one, and a lookup with it
    must not become a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest, JsonResponse

        params = request.GET.lists()
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            params = [*params, *request.POST.lists()]
        bad = sorted({key for key, values in params if "\x00" in key or any("\x00" in v for v in values)})
        if not bad:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            details = {key.replace("\x00", "\\0"): ["NUL character"] for key in bad}
            return JsonResponse({"code": "validation_error", "message": NUL_MESSAGE, "details": details}, status=400)
        return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
