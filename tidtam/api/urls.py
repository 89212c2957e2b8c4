"""The HTTP API under /api/v1/: one NinjaAPI object, its routers, auth and error handling."""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from tidtam.api import errors, idempotency
from tidtam.api.auth import PUBLIC, anonymous
from tidtam.api.routers import audit, dashboard, me, organisations, plans, projects, reports, rounds, tokens

DESCRIPTION = """\
API ของ tidtam (ติดตาม) สำหรับกรอบแผน ตัวชี้วัด หน่วยงาน โครงการ รอบการรายงาน รายงานความก้าวหน้า สายการอนุมัติ
และประวัติการแก้ไข ข้อมูลสาธารณะ (รวมโครงการและรายงานที่ตรวจรับแล้ว) อ่านได้โดยไม่ต้องเข้าสู่ระบบ
ผู้ใช้ที่เข้าสู่ระบบขอโทเค็นที่ `POST /api/v1/auth/token` แล้วส่ง `Authorization: Bearer <token>`
การแก้ไขทุกครั้งต้องส่ง `version` ที่อ่านมา ส่งซ้ำอย่างปลอดภัยด้วยส่วนหัว `Idempotency-Key`
ข้อผิดพลาดทุกกรณีเป็น JSON `{code, message, details}`

The tidtam API: plan frameworks, indicators, organisations, projects, reporting rounds, progress reports, the
approval workflow and the audit log. Public data (including accepted projects and reports) needs no sign-in.
Signed-in users get a token from `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.
Every write sends the `version` it read (a stale one gets 409); an `Idempotency-Key` header makes a POST safe to repeat.
Every error is JSON `{code, message, details}` with the matching HTTP status.
"""


class _Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Thai as UTF-8: readable and half the size of \\u escapes


class _Schema(OpenAPISchema):
    def operation_security(self, operation):
        """Mark public operations' security as optional (`{}`), so the docs do not claim a sign-in is required."""
        security = super().operation_security(operation)
        if security and anonymous in operation.auth_callbacks:
            security.append({})
        return security

    def get_paths(self):
        """Document the `Idempotency-Key` header on every POST it applies to."""
        paths = super().get_paths()
        for path, item in paths.items():
            if "post" in item and path.removeprefix(self.path_prefix) not in idempotency.EXEMPT_ROUTES:
                item["post"]["parameters"] = [*item["post"]["parameters"], IDEMPOTENCY_PARAMETER]
        return paths


IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "ส่งซ้ำด้วยคีย์เดิมจะได้คำตอบแรกโดยไม่ทำซ้ำ (24 ชั่วโมง) / A repeat with the same key gets the first "
    "answer (header `Idempotent-Replayed: true`) instead of running again, for 24 hours",
}


class TidtamAPI(NinjaAPI):
    """NinjaAPI whose every answer, including unknown routes and wrong methods, uses the one error shape."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Schema(self, path_prefix)

    def _index(self, request, *args, **kwargs):
        """`GET /api/v1/`: where the documentation is (ninja's own root view only raises 404)."""
        root = self.get_root_path(kwargs)
        return self.create_response(
            request,
            {
                "title": self.title,
                "version": self.version,
                "docs": f"{root}{self.docs_url.lstrip('/')}",
                "openapi": f"{root}{self.openapi_url.lstrip('/')}",
            },
            status=200,
        )

    def _error_response(self, request, status, code, message, details):
        return errors.error_response(self, request, status, code, message, details)

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            if pattern.name == "api-root":
                pattern.callback = self._index
            elif getattr(pattern.callback, "csrf_exempt", False):  # the operation views, not the docs
                view = pattern.callback
                if str(pattern.pattern) not in idempotency.EXEMPT_ROUTES:
                    view = idempotency.guard(view, error_response=self._error_response)
                pattern.callback = errors.guard_view(self, view)

        @csrf_exempt
        def not_found(request, *args, **kwargs):
            return errors.error_response(self, request, 404)

        return [*patterns, re_path(r"", not_found, name="not-found")]


api = TidtamAPI(
    title="tidtam API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs=Swagger(settings={"validatorUrl": None}),  # no badge fetched from validator.swagger.io: nothing external
    auth=PUBLIC,
    renderer=_Renderer(),
)
errors.install(api)
api.add_router("", tokens.router)
api.add_router("", me.router)
api.add_router("", plans.router)
api.add_router("", organisations.router)
api.add_router("", audit.router)
api.add_router("", projects.router)
api.add_router("", reports.router)
api.add_router("", rounds.router)
api.add_router("", dashboard.router)
api.add_router("", "tidtam.api.routers.opendata.router")  # IATI and DCAT (docs/open-data.md)
api.add_router("", "tidtam.api.routers.exports.router")  # bulk downloads (tidtam.opendata.exports)
api.add_router("", "tidtam.api.routers.search.router")  # one search over projects, nodes, organisations
api.add_router("", "tidtam.api.routers.documents.router")  # ingested documents (docs/documents.md)
api.add_router("", "tidtam.api.routers.align.router")  # the alignment assistant (docs/textkit.md)
api.add_router("", "tidtam.api.routers.similar.router")  # candidate duplicates (docs/duplicates.md)
