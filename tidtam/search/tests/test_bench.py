"""`tidtam bench search` on a small world: recall against a gold set, timings, the baseline, bad input."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tidtam.search.bench import load_gold_set

pytestmark = pytest.mark.django_db

GOLD = """
format: tidtam-search-gold/1
items:
  - {q: "ไซเบอร์", kind: node, expect: ["node:ns/101"]}
  - {q: "ทะเล", kind: node, expect: ["node:ns/102"]}
  - {q: "ทะเล", kind: project, expect: ["project:search-accepted"]}
"""


def _bench(tmp_path, *args) -> dict:
    gold = tmp_path / "gold.yaml"
    gold.write_text(GOLD, encoding="utf-8")
    out = io.StringIO()
    args = ("--set", str(gold), "--repeats", "1", "--warmup", "0", "--baseline-repeats", "1", *args)
    call_command("bench", "search", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_recall_counts_the_expected_objects_found(world, tmp_path):
    figures = _bench(tmp_path)
    assert figures["recall"]["expected"] == 3
    assert figures["recall"]["found"] == 2  # the accepted project does not mention the sea
    assert [miss["q"] for miss in figures["recall"]["misses"]] == ["ทะเล"]
    assert figures["api"]["samples"] == 3 + 8  # every gold query and the common words
    assert figures["common_words"]["substring_scan"]["samples"] == 8
    assert figures["failures"] == []  # every expected object is in the index


def test_a_gold_object_missing_from_the_index_is_a_problem(world, tmp_path):
    gold = tmp_path / "gold.yaml"
    gold.write_text(GOLD.replace("node:ns/102", "node:ns/999"), encoding="utf-8")
    with pytest.raises(CommandError, match="ns/999"):
        call_command(
            "bench", "search", "--set", str(gold), "--repeats", "1", stdout=io.StringIO(), stderr=io.StringIO()
        )


@pytest.mark.parametrize(
    "text",
    [
        "format: other/1\nitems: []",
        "format: tidtam-search-gold/1\nitems:\n  - {q: x}",
        "format: tidtam-search-gold/1\nitems:\n  - {q: x, kind: thing, expect: [a]}",
    ],
)
def test_a_malformed_gold_set_is_refused(tmp_path, text):
    path = tmp_path / "gold.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        load_gold_set(path)


def test_the_shipped_gold_set_is_well_formed():
    items = load_gold_set()
    assert len(items) >= 40
    assert len({(item.q, item.kind, item.organisation) for item in items}) == len(items)
