"""The public page explaining the status rules: Thai first, the bands of every rule version, worked examples computed
by the rule itself, and the "try it" form."""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tidtam.accounts.choices import Role
from tidtam.core.testing import FrameworkFactory, OrganisationFactory, client_for, member
from tidtam.evaluation.rules import evaluate
from tidtam.evaluation.services import status_rule_assign, status_rule_create

pytestmark = pytest.mark.django_db
URL = "/rules/"


def page(client=None, **params) -> str:
    response = (client or Client()).get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def text(markup: str) -> str:
    """The visible text: tags dropped, entities decoded (`&lt;100%` → `<100%`), white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def test_url_name():
    assert reverse("evaluation:rules") == URL


def test_anonymous_sees_the_page_in_thai_with_the_default_bands_and_formulas():
    body = page()
    assert '<html lang="th">' in body
    assert "หลักเกณฑ์การประเมินระดับสถานะ" in body  # the heading, in Thai
    plain = text(body)
    for band in ("≥100%", "≥75%, <100%", "≥50%, <75%", "<50%"):
        assert band in plain
    assert "ค่าจริง ÷ ค่าเป้าหมาย" in plain and "ค่าเป้าหมาย ÷ ค่าจริง" in plain  # higher and lower
    assert "ค่าจริง ÷ ค่าล่าง" in plain and "ค่าบน ÷ ค่าจริง" in plain  # below and above a range
    assert "ไม่ใช้ค่าเฉลี่ย" in plain  # the roll-up never averages
    assert "ตรวจรับแล้ว" in plain  # accepted data only in public figures


def test_every_stored_rule_version_is_listed_with_its_bands_and_users():
    strict = status_rule_create(actor=None, name="strict", green_from="1.2", yellow_from="0.95", orange_from="0.6")
    status_rule_assign(actor=None, target=FrameworkFactory(code="ns"), rule=strict)
    FrameworkFactory(code="poa")
    plain = text(page())
    row = plain[plain.index("strict/1") :]
    assert row.split()[:8] == ["strict/1", "≥120%", "≥95%,", "<120%", "≥60%,", "<95%", "<60%", "ns"]
    default_row = plain[plain.index("default/1 ค่าตั้งต้น") :]
    assert "poa" in default_row.split("strict/1")[0]  # frameworks without a rule use the default


def test_worked_examples_show_the_exact_why_of_the_rule():
    body = text(page())
    expected = evaluate(direction="higher", target=Decimal(80), actual=Decimal(72))
    assert expected.why_th == "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90% → ต่ำกว่าค่าเป้าหมายเล็กน้อย (≥75%, <100%)"
    assert expected.why_th in body and expected.why_en in body
    for direction, target, actual, target_max in [
        ("lower", "10", "12.5", None),
        ("lower", "5", "0", None),
        ("range", "3", "8", "5"),
        ("range", "3", "1.2", "5"),
        ("lower", "0", "3", None),
        ("higher", "80", None, None),
    ]:
        status = evaluate(
            direction=direction,
            target=Decimal(target),
            actual=None if actual is None else Decimal(actual),
            target_max=None if target_max is None else Decimal(target_max),
        )
        assert status.why_th in body, status.why_th
    assert "เทียบตรง" in body and "ไม่มีค่าจริงในช่วงเวลานี้" in body  # direct comparison and grey


def _result(body: str) -> str:
    match = re.search(r'<div class="rules-result" role="status">(.*?)</div>', body, re.S)
    assert match, "no result shown"
    return text(match.group(1))


def test_try_it_form_computes_the_status_with_thai_digits():
    body = page(direction="higher", target="๘๐", actual="๗๒")
    result = _result(body)
    assert "ต่ำกว่าค่าเป้าหมายเล็กน้อย" in result
    assert "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90%" in result and "default/1" in result
    assert 'value="๘๐"' in body  # the form keeps what was typed
    result = _result(page(direction="range", target="3", target_max="5", actual="8"))
    assert "ค่าจริง 8 สูงกว่าช่วง 3–5: 5/8 = 62.5%" in result
    assert "ไม่มีค่าจริง" in _result(page(direction="lower", target="10", actual=""))


def test_try_it_form_under_another_rule_version():
    status_rule_create(actor=None, name="strict", green_from="1.2", yellow_from="0.95", orange_from="0.5")
    result = _result(page(direction="higher", target="80", actual="72", rule="strict/1"))
    assert "≥50%, <95%" in result and "strict/1" in result


@pytest.mark.parametrize(
    "params, field_th",
    [
        ({"direction": "higher", "target": "แปดสิบ", "actual": "72"}, "ค่าเป้าหมาย"),
        ({"direction": "higher", "target": "80", "actual": "1e5"}, "ค่าจริง"),
        ({"direction": "range", "target": "5", "target_max": "3", "actual": "4"}, "ค่าบนของช่วงเป้าหมาย"),
        ({"direction": "sideways", "target": "80", "actual": "72"}, "ทิศทาง"),
        ({"direction": "higher", "target": "80", "actual": "72", "rule": "nope/1"}, "กฎ"),
    ],
)
def test_try_it_form_bad_input_names_the_field(params, field_th):
    body = page(**params)
    alert = re.search(r'<div class="alert alert-error" role="alert">(.*?)</div>', body, re.S)
    assert alert, "no error shown"
    message = text(alert.group(1))
    assert f"{field_th}:" in message and " / " in message
    assert 'class="rules-result"' not in body


@pytest.mark.parametrize("role", [Role.REPORTER, Role.REVIEWER])
def test_signed_in_users_see_the_same_page(role):
    body = page(client_for(member(role, OrganisationFactory())))
    assert "หลักเกณฑ์การประเมินระดับสถานะ" in body


def test_english_version():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = page(client)
    assert "How statuses are decided" in body and "actual ÷ target" in text(body)


def test_query_count_is_small(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        Client().get(URL, {"direction": "higher", "target": "80", "actual": "72"})
