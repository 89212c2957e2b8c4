"""A reporter, in a real browser, types a Thai objective in the new-project form, sees the alignment assistant suggest a
target (htmx, after a pause in typing) and picks it as the primary link. Uses the Playwright fixtures of
tidtam/conftest.py (skipped when Chromium is absent)."""

import pytest

from tidtam.core.testing import PASSWORD, NodeFactory
from tidtam.projects.models import Project
from tidtam.textkit import align, segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_caches():
    align._cache.clear()
    segment._project.cache_clear()
    yield
    align._cache.clear()
    segment._project.cache_clear()


def test_typing_an_objective_suggests_a_target_and_picking_it_fills_the_primary_link(page, people, plan):
    from playwright.sync_api import expect

    target = NodeFactory(
        framework_version=plan.version,
        parent=plan.sub_plan,
        code="010102",
        title_th="ชุมชนชายแดนปลอดภัยจากยาเสพติด",
    )
    align.suggest_nodes(text="ยาเสพติด")  # builds the index and loads the synonyms (the live server shares the process)
    reporter = people["reporter"]
    page.goto("/accounts/login/")
    page.fill("#id_username", reporter.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/")

    page.goto("/projects/new/")
    panel = page.locator("#align-suggestions")
    expect(panel).to_contain_text("พิมพ์ชื่อและวัตถุประสงค์")
    page.get_by_label("ชื่อโครงการ (ภาษาไทย)").fill("โครงการหมู่บ้านเข้มแข็ง")
    page.locator("#id_objectives").press_sequentially("ป้องกันยาเสพติดในชุมชนชายแดน", delay=20)

    suggestion = panel.locator("li.align-item").first
    expect(suggestion).to_contain_text("ชุมชนชายแดนปลอดภัยจากยาเสพติด", timeout=30_000)  # a loaded machine is slow
    expect(suggestion.locator("mark").first).to_be_visible()
    suggestion.get_by_role("button", name="ใช้เป็นความเชื่อมโยงหลัก").click()
    expect(page.locator("#id_primary_node")).to_have_value(str(target.pk))
    expect(page.locator("#id_objectives")).to_have_value("ป้องกันยาเสพติดในชุมชนชายแดน")  # nothing was posted
    assert not Project.objects.filter(name_th="โครงการหมู่บ้านเข้มแข็ง").exists()
