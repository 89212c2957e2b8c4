"""Duplicate detection: the scoring rule (property-tested), the selector on a small world, visibility, the verdict
service, the scan command and the queue. The pages and the API: test_duplicate_pages.py."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tidtam.core.models import AuditEntry
from tidtam.evaluation import duplicates
from tidtam.evaluation.duplicates import Profile, TermWeights, dice, query_terms, score_pair
from tidtam.evaluation.models import DuplicateCandidate, DuplicateReview, Verdict
from tidtam.evaluation.selectors import duplicate_queue, similar_projects
from tidtam.evaluation.services import duplicate_mark
from tidtam.evaluation.tests.duplicate_world import ANONYMOUS, codes
from tidtam.projects.models import Project

pytestmark = pytest.mark.django_db

# ------------------------------------------------------------------------------------------------ the rule

TERMS = st.frozensets(st.sampled_from([f"คำ{n}" for n in range(12)] + ["road", "port", "training"]), max_size=8)
PLACES = st.dictionaries(st.sampled_from(["10", "50", "90", "91"]), st.just("จังหวัด"), max_size=3)
COUNTRIES = st.dictionaries(st.sampled_from(["MY", "LA", "US"]), st.just("ประเทศ"), max_size=2)
PARTNERS = st.dictionaries(st.integers(1, 5), st.just("หน่วยงาน"), max_size=3)


@st.composite
def profiles(draw, pk=None):
    start = draw(st.integers(2566, 2569))
    return Profile(
        id=pk if pk is not None else draw(st.integers(1, 10_000)),
        owner_id=draw(st.integers(1, 4)),
        fiscal_year_start=start,
        fiscal_year_end=start + draw(st.integers(0, 2)),
        name_terms=draw(TERMS),
        text_terms=draw(TERMS),
        provinces=draw(PLACES),
        countries=draw(COUNTRIES),
        partners=draw(PARTNERS),
        budget_per_year=draw(st.sampled_from([0.0, 500_000.0, 1_000_000.0, 4_200_000.0])),
    )


WEIGHTINGS = st.builds(
    TermWeights,
    st.dictionaries(st.sampled_from([f"คำ{n}" for n in range(12)]), st.integers(0, 50), max_size=12),
    st.integers(50, 60),
) | st.just(duplicates.UNIFORM)


@settings(max_examples=150, deadline=None)
@given(profiles(pk=1), profiles(pk=2), WEIGHTINGS)
def test_the_score_is_symmetric_and_between_0_and_1(a, b, weights):
    ab, ba = score_pair(a, b, weights), score_pair(b, a, weights)
    assert ab.score == ba.score and ab.parts == ba.parts
    assert 0 <= ab.score <= 1
    assert all(0 <= value <= 1 for value in ab.parts.values())
    assert duplicates.quick_score(a, b, weights) == ab.score


@settings(max_examples=150, deadline=None)
@given(profiles(pk=1), profiles(pk=2), WEIGHTINGS)
def test_same_organisation_or_no_shared_year_scores_zero(a, b, weights):
    assert score_pair(a, replace(b, owner_id=a.owner_id), weights).score == 0
    later = replace(b, fiscal_year_start=a.fiscal_year_end + 1, fiscal_year_end=a.fiscal_year_end + 2)
    assert score_pair(a, later, weights).score == 0
    assert score_pair(a, a, weights).score == 0  # a project is not its own duplicate


@settings(max_examples=150, deadline=None)
@given(profiles(pk=1), profiles(pk=2), WEIGHTINGS)
def test_a_copy_of_the_same_work_scores_highest(a, b, weights):
    copy = replace(a, id=3, owner_id=a.owner_id + 10)
    assert score_pair(a, copy, weights).score >= score_pair(a, b, weights).score - 1e-9


def test_identical_projects_score_one_and_reasons_say_why():
    a = Profile(
        1,
        1,
        2568,
        2568,
        frozenset({"ลาดตระเวน", "ประมง"}),
        frozenset({"อ่าวไทย"}),
        {"90": "สงขลา"},
        {"MY": "มาเลเซีย"},
        {7: "กรมประมง"},
        2_000_000.0,
    )
    match = score_pair(a, replace(a, id=2, owner_id=2))
    assert match.score == 1.0
    assert match.reasons[0].startswith("ชื่อคล้ายกัน 1.00")
    assert "จังหวัดเดียวกัน: สงขลา" in match.reasons
    assert "ประเทศเดียวกัน: มาเลเซีย" in match.reasons
    assert "หน่วยงานร่วมเดียวกัน: กรมประมง" in match.reasons
    assert any(reason.startswith("งบประมาณใกล้กัน 1.00") for reason in match.reasons)
    assert match.reasons[-1] == "ปีงบประมาณที่ดำเนินการพร้อมกัน: 2568"


def test_dice_and_weights():
    assert dice(set(), set()) == 0
    assert dice({"a", "b"}, {"b", "c"}) == 0.5
    weights = TermWeights({"common": 90, "rare": 1}, 100)
    # sharing a rare term counts for more than sharing a common one
    assert dice({"rare", "x"}, {"rare", "y"}, weights) > dice({"common", "x"}, {"common", "y"}, weights)
    assert weights.is_common("common") and not weights.is_common("rare")
    profile = Profile(1, 1, 2568, 2568, frozenset({"common", "rare", "x"}), frozenset())
    assert query_terms(profile, weights) == ["x", "rare"]  # the rarest first, never the common one


# ------------------------------------------------------------------------------------------------ the selector


def test_a_true_duplicate_is_found_first_and_a_distinct_project_not(dups):
    results = similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"])
    assert results, "the duplicate was not found"
    assert results[0].project == dups.projects["sea_mod"]
    assert results[0].score >= 0.6
    reasons = results[0].reasons
    assert reasons[0].startswith("ชื่อคล้ายกัน")
    assert "จังหวัดเดียวกัน: สงขลา, สตูล" in reasons and "ประเทศเดียวกัน: มาเลเซีย" in reasons
    assert any(reason.startswith("งบประมาณใกล้กัน") for reason in reasons)
    found = codes(results)
    assert "dup-tourism" not in found  # different work
    assert "dup-same-org" not in found  # the same organisation's near-copy is never a candidate
    assert "dup-old" not in found  # no fiscal year in common
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert all(r.verdict is None for r in results)


def test_limit_and_min_score(dups):
    assert len(similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"], limit=1)) == 1
    assert similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"], min_score=1.0) == []


def test_anonymous_never_sees_drafts_as_candidates(dups):
    public = codes(similar_projects(user=ANONYMOUS, project=dups.projects["sea_mfa"]))
    assert "dup-sea-mod" in public and "dup-draft" not in public
    assert "dup-draft" in codes(similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"]))
    # the other ministry's reporter sees its own draft, the owner's reporter does not
    assert "dup-draft" in codes(similar_projects(user=dups.other_reporter, project=dups.projects["sea_mfa"]))
    assert "dup-draft" not in codes(similar_projects(user=dups.reporter, project=dups.projects["sea_mfa"]))


def test_a_project_the_user_may_not_see_is_not_found(dups):
    with pytest.raises(NotFound):
        similar_projects(user=ANONYMOUS, project=dups.projects["draft"])
    with pytest.raises(NotFound):
        similar_projects(user=dups.reporter, project=dups.projects["draft"].pk)
    with pytest.raises(NotFound):
        similar_projects(user=ANONYMOUS, project=999_999)


def test_the_lookup_costs_a_bounded_number_of_queries(dups, django_assert_max_num_queries):
    duplicates.term_weights(refresh=True)
    with django_assert_max_num_queries(16):
        results = similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"])
    assert len(results) >= 2
    with django_assert_max_num_queries(16):
        similar_projects(user=ANONYMOUS, project=dups.projects["sea_mfa"])


def test_a_project_missing_from_the_index_is_still_compared(dups):
    from tidtam.search.models import SearchEntry

    SearchEntry.objects.filter(object_id=dups.projects["sea_mfa"].pk, kind="project").delete()
    results = similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"])
    assert results and results[0].project == dups.projects["sea_mod"]


# ------------------------------------------------------------------------------------------------ verdicts


def test_a_reviewer_marks_a_pair_once_in_either_order_with_audit_entries(dups):
    sea_mfa, sea_mod = dups.projects["sea_mfa"], dups.projects["sea_mod"]
    first = duplicate_mark(
        actor=dups.reviewer, project_a=sea_mod, project_b=sea_mfa, verdict=Verdict.RELATED, reason="งานคล้ายกัน"
    )
    assert (first.project_a_id, first.project_b_id) == tuple(sorted((sea_mfa.pk, sea_mod.pk)))
    assert first.reviewer == dups.reviewer and first.version == 1
    again = duplicate_mark(
        actor=dups.reviewer, project_a=sea_mfa, project_b=sea_mod, verdict=Verdict.DUPLICATE, reason="ซ้ำจริง", version=1
    )
    assert again.pk == first.pk and again.version == 2 and again.verdict == Verdict.DUPLICATE
    assert DuplicateReview.objects.count() == 1
    entries = AuditEntry.objects.filter(object_type="duplicatereview", object_id=str(first.pk)).order_by("id")
    assert [(e.action, e.reason) for e in entries] == [("create", "งานคล้ายกัน"), ("update", "ซ้ำจริง")]
    with pytest.raises(Conflict) as stale:
        duplicate_mark(actor=dups.reviewer, project_a=sea_mfa, project_b=sea_mod, verdict=Verdict.DISTINCT, version=1)
    assert stale.value.code == "stale_version"
    assert DuplicateReview.objects.get().verdict == Verdict.DUPLICATE
    # the verdict shows in the selector
    result = similar_projects(user=dups.reviewer, project=sea_mfa)[0]
    assert result.project == sea_mod and result.verdict == Verdict.DUPLICATE


def test_only_reviewers_mark_and_bad_pairs_are_refused(dups):
    sea_mfa, sea_mod = dups.projects["sea_mfa"], dups.projects["sea_mod"]
    for person in (dups.reporter, dups.other_reporter, dups.oversight):
        with pytest.raises(Forbidden):
            duplicate_mark(actor=person, project_a=sea_mfa, project_b=sea_mod, verdict=Verdict.DUPLICATE)
    with pytest.raises(ValidationFailed) as same:
        duplicate_mark(
            actor=dups.reviewer, project_a=sea_mfa, project_b=dups.projects["same_org"], verdict=Verdict.DUPLICATE
        )
    assert "project_b" in str(same.value.details)
    with pytest.raises(ValidationFailed):
        duplicate_mark(actor=dups.reviewer, project_a=sea_mfa, project_b=sea_mfa, verdict=Verdict.DUPLICATE)
    with pytest.raises(ValidationFailed) as bad:
        duplicate_mark(actor=dups.reviewer, project_a=sea_mfa, project_b=sea_mod, verdict="maybe")
    assert "verdict" in str(bad.value.details)
    with pytest.raises(ValidationFailed):
        duplicate_mark(actor=dups.reviewer, project_a=sea_mfa, project_b=sea_mod, verdict="related", reason="x" * 2001)
    assert not DuplicateReview.objects.exists()


# ------------------------------------------------------------------------------------------------ scan and queue


def _pair(dups, a, b) -> tuple[int, int]:
    return tuple(sorted((dups.projects[a].pk, dups.projects[b].pk)))


def test_the_scan_fills_the_queue_and_distinct_pairs_leave_it(dups, capsys):
    call_command("duplicates", "scan")
    assert "Scanned 7 projects" in capsys.readouterr().out
    stored = {(c.project_a_id, c.project_b_id): c for c in DuplicateCandidate.objects.all()}
    assert _pair(dups, "sea_mfa", "sea_mod") in stored
    assert _pair(dups, "sea_mfa", "same_org") not in stored
    assert _pair(dups, "sea_mfa", "old") not in stored
    row = stored[_pair(dups, "sea_mfa", "sea_mod")]
    assert row.reasons[0].startswith("ชื่อคล้ายกัน") and row.fiscal_year_start == row.fiscal_year_end == 2568
    assert all(c.project_a_id < c.project_b_id for c in stored.values())
    assert all(c.project_a.owner_id != c.project_b.owner_id for c in stored.values())

    queue = list(duplicate_queue(user=dups.reviewer))
    assert (queue[0].project_a_id, queue[0].project_b_id) in stored
    assert [p.score for p in queue] == sorted((p.score for p in queue), reverse=True)
    assert _pair(dups, "sea_mfa", "sea_mod") in {(p.project_a_id, p.project_b_id) for p in queue}
    # nobody else has a queue
    for person in (ANONYMOUS, dups.reporter, dups.oversight):
        assert not duplicate_queue(user=person).exists()
    # filters
    assert not duplicate_queue(user=dups.reviewer, fiscal_year=2570).exists()
    assert duplicate_queue(user=dups.reviewer, fiscal_year=2568).count() == len(queue)
    assert duplicate_queue(user=dups.reviewer, organisation=dups.org["other"]).count() == len(queue)
    assert not duplicate_queue(user=dups.reviewer, organisation=dups.org["senate"]).exists()

    duplicate_mark(
        actor=dups.reviewer,
        project_a=dups.projects["sea_mfa"],
        project_b=dups.projects["sea_mod"],
        verdict=Verdict.DISTINCT,
        reason="คนละพื้นที่ปฏิบัติการ",
    )
    assert _pair(dups, "sea_mfa", "sea_mod") not in {
        (p.project_a_id, p.project_b_id) for p in duplicate_queue(user=dups.reviewer)
    }


def test_a_rescan_replaces_stale_rows(dups, capsys):
    call_command("duplicates", "scan")
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.update(score=0.99, reasons=["stale"])
    call_command("duplicates", "scan", "--fiscal-year", "๒๕๖๘")  # Thai digits accepted
    assert "replaced" in capsys.readouterr().out
    assert DuplicateCandidate.objects.count() == before
    assert not DuplicateCandidate.objects.filter(reasons=["stale"]).exists()
    call_command("duplicates", "scan", "--min-score", "0.99")
    assert not DuplicateCandidate.objects.exists()


def test_the_queue_costs_a_bounded_number_of_queries(dups, django_assert_max_num_queries):
    call_command("duplicates", "scan")
    with django_assert_max_num_queries(3):
        pairs = list(duplicate_queue(user=dups.reviewer))
        for pair in pairs:
            assert pair.project_a.owner.name_th and pair.project_b.owner.name_th
    assert pairs


def test_brute_force_agrees_with_the_lookup_on_the_small_world(dups):
    from tidtam.search.selectors import visible_entries

    project = dups.projects["sea_mfa"]
    fast = [(r.project.pk, r.score) for r in similar_projects(user=dups.reviewer, project=project)]
    slow = duplicates.brute_force(
        base=visible_entries(user=dups.reviewer), project_id=project.pk, limit=10, min_score=duplicates.MIN_SCORE
    )
    assert fast == [(pair.project_id, pair.match.score) for pair in slow]


def test_budget_from_budget_lines_per_year(dups):
    profile = duplicates.load_profiles([duplicates.project_entry(dups.projects["sea_mfa"].pk)])
    assert profile[dups.projects["sea_mfa"].pk].budget_per_year == float(Decimal("5000000"))


def test_the_benchmark_runs_on_a_small_database(dups, capsys):
    import json

    call_command("bench", "similar", "--projects", "3", "--baseline", "2", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["sampled"] == 3 and report["failures"] == []
    assert report["selector"]["samples"] == 3 and report["api"]["samples"] == 3
    assert report["baseline"]["samples"] == 2 and 0 <= report["recall_at_10"] <= 1
    assert report["queries_per_lookup"] <= 16
    # every planted copy (another organisation, same texts, places and budget) is found; the copies are gone after
    assert report["planted"]["copies"] == report["planted"]["found"] == 3
    assert report["projects"] == Project.objects.count()
    assert not Project.objects.filter(code__startswith="planted-").exists()


def test_a_project_hidden_since_it_was_indexed_stays_hidden(dups):
    from tidtam.projects.models import Project

    Project.objects.filter(pk=dups.projects["sea_mod"].pk).update(
        status="draft"
    )  # no reindex: the entry still says accepted
    assert "dup-sea-mod" not in codes(similar_projects(user=ANONYMOUS, project=dups.projects["sea_mfa"]))
    assert "dup-sea-mod" in codes(similar_projects(user=dups.reviewer, project=dups.projects["sea_mfa"]))
