"""The status rule default/1: bands, directions, ranges, grey cases and the why, with property tests."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from tidtam.evaluation.rules import StatusLevel, evaluate

D = Decimal
ORDER = [StatusLevel.RED, StatusLevel.ORANGE, StatusLevel.YELLOW, StatusLevel.GREEN]
positive = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)
non_negative = st.decimals(min_value=D("0"), max_value=D("1000000"), places=2)


@pytest.mark.parametrize(
    ("actual", "level"),
    [
        (100, "green"),
        (120, "green"),
        (75, "yellow"),
        (99.99, "yellow"),
        (50, "orange"),
        (74.99, "orange"),
        (49.99, "red"),
        (0, "red"),
    ],
)
def test_bands_at_their_edges(actual, level):
    assert evaluate(direction="higher", target=D(100), actual=D(str(actual))).level == level


def test_the_why_names_values_ratio_and_band():
    status = evaluate(direction="higher", target=D(80), actual=D(72))
    assert status.why_th == "ค่าจริง 72 จากค่าเป้าหมาย 80 = 90% → ต่ำกว่าค่าเป้าหมายเล็กน้อย (≥75%, <100%)"
    assert status.ratio == D("0.9") and status.rule_version == "default/1"


def test_grey_without_actual_or_target_says_why():
    assert evaluate(direction="higher", target=D(5), actual=None).level == StatusLevel.GREY
    no_target = evaluate(direction="higher", target=None, actual=D(5))
    assert no_target.level == StatusLevel.GREY and "ไม่มีค่าเป้าหมาย" in no_target.why_th


def test_lower_is_better_and_an_actual_of_zero_is_achieved():
    assert evaluate(direction="lower", target=D(10), actual=D(20)).level == StatusLevel.ORANGE  # 10/20
    assert evaluate(direction="lower", target=D(10), actual=D(0)).level == StatusLevel.GREEN


def test_non_positive_values_are_compared_directly_and_the_why_says_so():
    status = evaluate(direction="higher", target=D(0), actual=D(3))
    assert status.level == StatusLevel.GREEN and status.ratio is None and "เทียบตรง" in status.why_th
    assert evaluate(direction="higher", target=D(5), actual=D(-1)).level == StatusLevel.RED
    assert evaluate(direction="lower", target=D(-2), actual=D(-3)).level == StatusLevel.GREEN


def test_ranges():
    assert evaluate(direction="range", target=D(40), target_max=D(60), actual=D(50)).level == StatusLevel.GREEN
    assert evaluate(direction="range", target=D(40), target_max=D(60), actual=D(30)).level == StatusLevel.YELLOW
    assert evaluate(direction="range", target=D(40), target_max=D(60), actual=D(150)).level == StatusLevel.RED


@given(target=positive, a=non_negative, b=non_negative)
def test_higher_is_better_is_monotonic_in_the_actual(target, a, b):
    low, high = sorted((a, b))
    worse = evaluate(direction="higher", target=target, actual=low).level
    better = evaluate(direction="higher", target=target, actual=high).level
    assert ORDER.index(worse) <= ORDER.index(better)


@given(target=positive, a=positive, b=positive)
def test_lower_is_better_is_monotonic_the_other_way(target, a, b):
    low, high = sorted((a, b))
    assert ORDER.index(evaluate(direction="lower", target=target, actual=high).level) <= ORDER.index(
        evaluate(direction="lower", target=target, actual=low).level
    )


@given(t=positive, a=positive)
def test_lower_and_higher_are_symmetric(t, a):
    higher = evaluate(direction="higher", target=a, actual=t)
    lower = evaluate(direction="lower", target=t, actual=a)
    assert (higher.level, higher.ratio) == (lower.level, lower.ratio)


@given(low=positive, width=non_negative, actual=non_negative)
def test_inside_a_range_is_always_achieved(low, width, actual):
    high = low + width
    status = evaluate(direction="range", target=low, target_max=high, actual=actual)
    assert (status.level == StatusLevel.GREEN) == (low <= actual <= high)


def test_rules_explain_command_prints_json_and_takes_thai_digits(capsys):
    call_command("rules", "explain", "--direction", "higher", "--target", "๘๐", "--actual", "72")
    result = json.loads(capsys.readouterr().out)
    assert result["level"] == "yellow" and result["ratio"] == 0.9
    assert result["why"]["en"].startswith("actual 72 of the target 80 = 90%")
