"""The interactive docs in a real browser: Swagger UI renders from local assets and can call the API."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_render_from_local_assets_and_try_it_out_works(page, live_server, plan):
    from playwright.sync_api import expect

    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("tidtam API", timeout=20_000)  # a busy CI
    operation = page.locator("#operations-plans-tidtam_api_routers_plans_frameworks")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text("ยุทธศาสตร์ชาติ")
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert not outside, f"the docs reached other hosts: {outside}"
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
