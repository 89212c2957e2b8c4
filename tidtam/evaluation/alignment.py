"""The alignment assistant for people: suggestions for `POST /api/v1/align` and the project form, and the reviewers'
queue of accepted projects whose text fits their primary link poorly. The ranking itself is `tidtam.textkit.align`.

**The queue is precomputed** (`alignment_scan`, run by `tidtam align scan`) into `AlignmentFit`, one row per accepted
project with a primary link, not computed per page. The page lists the worst fits first, so ordering needs the fit
of *every* accepted project: per page that is a full pass over all of them on every request. A pass costs the
segmentation of each project's name and objectives plus one query of the engine — about 1–3 ms a project, measured
in docs/textkit.md ("Reviewer queue"): minutes at 100k projects, fine for a command run after imports or nightly,
far too slow for a page. The table makes the page one indexed query of 25 rows, whatever the number of projects.
A row is shown only while its project is still accepted and still linked to the node it was scanned with, so a
relinked project drops out of the queue at once; projects accepted since the last scan appear at the next one.

The fit of a project: its primary node's ancestor at the compared level (`fit_depth`: the master plan where the
framework has that level, else the top level) — the *anchor* — and where the anchor ranks among the suggestions at
that level for the project's own name and objectives (`rank`, 1 = best, None = not matched at all), and the score
gap from the best suggestion to it. A project is a misfit when its anchor is not in the top `MISFIT_RANK`. The engine
learns from accepted projects, so a project would find its own words on its own link: the scan cross-fits (each
project is ranked by an index built without it; see "the scan" below).
"""

from __future__ import annotations

import html
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tidtam.core.errors import NotFound, ValidationFailed, bilingual
from tidtam.core.permissions import Action, restrict
from tidtam.evaluation.models import AlignmentFit
from tidtam.plans.models import FrameworkVersion, Node
from tidtam.plans.selectors import current_version, framework_list
from tidtam.projects.models import Contribution, Project
from tidtam.textkit.align import (
    DEFAULT_FRAMEWORK,
    AlignmentIndex,
    Suggestion,
    build_index,
    get_index,
    refresh,
    suggest_nodes,
)
from tidtam.workflow.choices import WorkflowStatus

MAX_TEXT_CHARS = 5000
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
FORM_LIMIT = 5  # targets shown in the project form
FORM_MASTER_PLANS = 3  # master plans shown there as context
MISFIT_RANK = 3  # a primary link whose master plan is not among the best three suggestions is a misfit
KEPT_SUGGESTIONS = 3  # suggestions stored per scanned project
BATCH_SIZE = 500
TARGET_KEYS = frozenset({"target", "factor"})


# ------------------------------------------------------------------------------------------------ suggestions


def align_version(*, user, framework: str) -> FrameworkVersion:
    """The current version of the framework coded `framework`, its framework loaded; `NotFound` naming the field."""
    found = framework_list(user=user).filter(code=framework).prefetch_related("versions").first()
    version = current_version(found.versions.all()) if found is not None else None
    if version is None:
        message = bilingual(f"ไม่พบกรอบแผน '{framework}'", f"No plan framework '{framework}'")
        raise NotFound("framework_not_found", message, {"framework": [message]})
    version.framework = found
    return version


def _level(version: FrameworkVersion, level: str | int | None) -> str | int | None:
    """A level key of `version` or a depth (digits allowed); `ValidationFailed` naming `level` otherwise."""
    if level is None or level == "":
        return None
    keys = [entry.get("key", "") for entry in version.levels]
    if isinstance(level, str) and level.strip().isdigit():
        level = int(level.strip())
    if isinstance(level, int) and 1 <= level <= len(keys):
        return level
    if isinstance(level, str) and level in keys:
        return level
    allowed = ", ".join([*keys, f"1–{len(keys)}"])
    message = bilingual(f"ไม่มีระดับ '{level}' ในกรอบแผนนี้ (ใช้ได้: {allowed})", f"No level '{level}' here ({allowed})")
    raise ValidationFailed("validation_error", message, {"level": [message]})


def align_suggest(
    *, user, text: str, framework: str = DEFAULT_FRAMEWORK, level: str | int | None = None, limit: int = DEFAULT_LIMIT
) -> list[Suggestion]:
    """The plan nodes of `framework`'s current version that a project described by `text` most likely serves, best
    first (`textkit.align.suggest_nodes`). Every suggested node points at the version loaded here, with its framework,
    so node references serialise without a query each."""
    version = align_version(user=user, framework=framework)
    if len(text) > MAX_TEXT_CHARS:
        message = bilingual(
            f"ข้อความยาวเกิน {MAX_TEXT_CHARS:,} ตัวอักษร", f"The text is longer than {MAX_TEXT_CHARS:,} characters"
        )
        raise ValidationFailed("validation_error", message, {"text": [message]})
    suggestions = suggest_nodes(
        text=text, framework_version=version, level=_level(version, level), limit=max(1, min(limit, MAX_LIMIT))
    )
    for suggestion in suggestions:
        suggestion.node.framework_version = version  # the same version object, framework loaded (no query per node)
    return suggestions


@dataclass(frozen=True)
class Reason:
    """One matched word of a suggestion: the query `word`, and when it matched another way, how (`sign`: ≈ same stem,
    ⊃ a word inside it, ~ a synonym) and the index `term` it matched."""

    word: str
    sign: str = ""
    term: str = ""

    @property
    def matched(self) -> str:
        return self.term or self.word


SIGNS = ("≈", "⊃", "~")


def reason_parts(reason: str) -> Reason:
    """A reason string as its parts: "เกษตรกร≈เกษตร" → Reason("เกษตรกร", "≈", "เกษตร"); "ข้าว" → Reason("ข้าว")."""
    for sign in SIGNS:
        word, found, term = reason.partition(sign)
        if found and word and term:
            return Reason(word, sign, term)
    return Reason(reason)


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` HTML-escaped, with every occurrence of the `terms` (longest first, never overlapping) in `<mark>`."""
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = text.find(term)
        while start != -1:
            end = start + len(term)
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
            start = text.find(term, end)
    out, position = [], 0
    for start, end in sorted(spans):
        out.append(html.escape(text[position:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        position = end
    out.append(html.escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece is escaped above


@dataclass
class NodeHint:
    """A suggestion as the project form shows it: the node's path of titles from the top, its score and reasons."""

    node: Node
    code: str
    title: str
    title_html: SafeString
    path: list[tuple[str, str]]  # (code, Thai title) from the top down to the node's parent
    level_name: str
    score: float
    reasons: list[Reason]
    pickable: bool = False


@dataclass
class FormSuggestions:
    """What the suggestions panel of the project form shows."""

    asked: bool = False  # some text was given
    targets: list[NodeHint] = field(default_factory=list)  # pickable as the primary link
    master_plans: list[NodeHint] = field(default_factory=list)  # context: the best master plans
    message: str = ""  # why there is nothing to show (no text, no words to match, no plan)


def form_text(*parts: str | None) -> str:
    """The text the assistant reads from the form: name (Thai, English) and objectives, at most `MAX_TEXT_CHARS`."""
    return "\n".join(part.strip() for part in parts if part and part.strip())[:MAX_TEXT_CHARS]


def _titles(index: AlignmentIndex) -> dict[str, Node]:
    return {entry.node.code: entry.node for entry in index.entries}


def _hint(suggestion: Suggestion, nodes: dict[str, Node], version: FrameworkVersion, *, pickable: bool) -> NodeHint:
    reasons = [reason_parts(reason) for reason in suggestion.reasons]
    path = [(code, nodes[code].title_th if code in nodes else "") for code in suggestion.path[:-1]]
    return NodeHint(
        node=suggestion.node,
        code=suggestion.code,
        title=suggestion.title,
        title_html=highlight(suggestion.title, [reason.matched for reason in reasons]),
        path=path,
        level_name=version.level_name(suggestion.depth, "th"),
        score=suggestion.score,
        reasons=reasons,
        pickable=pickable,
    )


def target_depths(version: FrameworkVersion) -> set[int]:
    """The depths whose nodes may be a primary link: targets and factors, else the deepest level."""
    keys = [level.get("key", "") for level in version.levels]
    if TARGET_KEYS & set(keys):
        return {depth for depth, key in enumerate(keys, start=1) if key in TARGET_KEYS}
    return {len(keys)}


def fit_depth(version: FrameworkVersion) -> int:
    """The level projects are compared at: the master plan where the framework names one, else the top level."""
    keys = [level.get("key", "") for level in version.levels]
    return keys.index("master_plan") + 1 if "master_plan" in keys else 1


def form_suggestions(*, user, text: str, limit: int = FORM_LIMIT) -> FormSuggestions:
    """Suggestions for the project form from the National Strategy (`ns`): the best targets and factors (pickable as
    the primary link) and the best master plans, each with its path of titles and the matched words. Never raises:
    a problem becomes the panel's message."""
    text = text.strip()[:MAX_TEXT_CHARS]
    if not text:
        return FormSuggestions()
    result = FormSuggestions(asked=True)
    try:
        version = align_version(user=user, framework=DEFAULT_FRAMEWORK)
        index = get_index(version)
        ranked = suggest_nodes(text=text, framework_version=version, limit=len(index.entries))
    except (ValidationFailed, NotFound) as error:
        result.message = error.message
        return result
    nodes = _titles(index)
    targets, master = target_depths(version), fit_depth(version)
    for suggestion in ranked:
        if suggestion.depth in targets and len(result.targets) < limit:
            result.targets.append(_hint(suggestion, nodes, version, pickable=True))
        elif suggestion.depth == master and master not in targets and len(result.master_plans) < FORM_MASTER_PLANS:
            result.master_plans.append(_hint(suggestion, nodes, version, pickable=False))
    return result


# ------------------------------------------------------------------------------------------------ the scan
#
# Cross-fitting: the engine learns from accepted projects, so a project queried against the usual index finds its own
# words on its own link and always looks well linked. The scan therefore splits the accepted projects into `FOLDS`
# groups (by id) and ranks each group with `suggest_nodes` against an index that leaves that group out
# (`build_index(..., leave_out=...)`).

FOLDS = 5


@dataclass
class ScanResult:
    projects: int
    misfits: int
    unmatched: int
    seconds: float

    @property
    def ms_per_project(self) -> float:
        return 1000 * self.seconds / self.projects if self.projects else 0.0


@dataclass(frozen=True)
class _Project:
    """An accepted project as the scan needs it: its primary node and the text the form would send."""

    pk: int
    node: Node
    text: str


def project_fit(*, project: _Project, index: AlignmentIndex, depth: int, scanned_at) -> AlignmentFit | None:
    """The fit of one project with its primary node (not saved): where the node's ancestor at `depth` (its anchor,
    the master plan) ranks among the nodes of that depth `suggest_nodes` proposes. None when the node sits above
    `depth`."""
    if project.node.depth < depth:
        return None
    anchor_code = project.node.path_codes[depth - 1]
    anchor = next(entry.node for entry in index.entries if entry.node.code == anchor_code)
    try:
        ranked = suggest_nodes(text=project.text, index=index, level=depth, limit=len(index.entries))
    except ValidationFailed:  # nothing to match in its text
        ranked = []
    rank = next((n for n, suggestion in enumerate(ranked, start=1) if suggestion.code == anchor_code), None)
    anchor_score = ranked[rank - 1].score if rank else 0.0
    best_score = ranked[0].score if ranked else 0.0
    suggestions = [
        {"id": s.node.pk, "code": s.code, "title": s.title, "path": s.path, "score": s.score, "reasons": s.reasons}
        for s in ranked
        if s.code != anchor_code
    ][:KEPT_SUGGESTIONS]
    return AlignmentFit(
        project_id=project.pk,
        primary_node_id=project.node.pk,
        anchor=anchor,
        rank=rank,
        anchor_score=anchor_score,
        best_score=best_score,
        gap=round(best_score - anchor_score, 4),
        is_misfit=rank is None or rank > MISFIT_RANK,
        anchor_reasons=ranked[rank - 1].reasons if rank else [],
        suggestions=suggestions,
        scanned_at=scanned_at,
    )


def _accepted_projects(batch_size: int) -> dict[FrameworkVersion, list[_Project]]:
    """Every accepted project with a primary link, by the framework version of the link."""
    links = (
        Contribution.objects.filter(is_primary=True, project__status=WorkflowStatus.ACCEPTED)
        .select_related("project", "node__framework_version")
        .order_by("project_id")
    )
    by_version: dict[FrameworkVersion, list[_Project]] = defaultdict(list)
    for link in links.iterator(chunk_size=batch_size):
        text = form_text(link.project.name_th, link.project.name_en, link.project.objectives)
        by_version[link.node.framework_version].append(_Project(link.project_id, link.node, text))
    return by_version


@transaction.atomic
def alignment_scan(*, batch_size: int = BATCH_SIZE, folds: int = FOLDS, stdout=None) -> ScanResult:
    """Recompute every accepted project's fit with its primary link into `AlignmentFit` (all rows replaced, in one
    transaction), cross-fitted over `folds` groups so no project is judged by an index that learnt its own text.
    The segmentation dictionary and the engine's cached indexes are refreshed first (new node titles, names and
    accepted projects). Progress lines go to `stdout` when given."""
    started = time.perf_counter()
    refresh()
    AlignmentFit.objects.all().delete()
    scanned_at = timezone.now()
    done = misfits = unmatched = 0
    folds = max(1, folds)
    for version, projects in _accepted_projects(batch_size).items():
        depth = fit_depth(version)
        for fold in range(folds):
            judged = [p for p in projects if p.pk % folds == fold]
            if not judged:
                continue
            index = build_index(version, leave_out={p.pk for p in judged} if folds > 1 else ())
            batch = [
                fit
                for project in judged
                if (fit := project_fit(project=project, index=index, depth=depth, scanned_at=scanned_at))
            ]
            AlignmentFit.objects.bulk_create(batch, batch_size=batch_size)
            done += len(batch)
            misfits += sum(fit.is_misfit for fit in batch)
            unmatched += sum(fit.rank is None for fit in batch)
            if stdout is not None:
                stdout.write(f"{version}: {done}\r")
    if stdout is not None:
        stdout.write("\n")
    return ScanResult(projects=done, misfits=misfits, unmatched=unmatched, seconds=time.perf_counter() - started)


# ------------------------------------------------------------------------------------------------ the queue


def misfit_list(*, user) -> QuerySet[AlignmentFit]:
    """The misfits `user` may review (accept or return): projects still accepted and still linked to the node they
    were scanned with, the largest gap first, with the project, its owner, the primary node and its anchor loaded."""
    projects = restrict(user, Action.ACCEPT, Project.objects.all(), organisation_field="owner", status_field="status")
    still_linked = Contribution.objects.filter(
        project_id=OuterRef("project_id"), node_id=OuterRef("primary_node_id"), is_primary=True
    )
    return (
        AlignmentFit.objects.filter(is_misfit=True, project__status=WorkflowStatus.ACCEPTED, project__in=projects)
        .filter(Exists(still_linked))
        .select_related("project__owner", "primary_node", "anchor")
        .order_by("-gap", "project_id")
    )


def last_scan() -> datetime | None:
    """When the last scan ran (None before the first)."""
    return AlignmentFit.objects.aggregate(last=Max("scanned_at"))["last"]
