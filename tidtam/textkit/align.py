"""The alignment assistant: which plan nodes a project most likely serves, ranked from its Thai name and objectives.

Method (simple, explainable, fast): a BM25F ranking over the `index_terms` of each node of one framework version,
with four fields per node, each weighted (`FIELD_WEIGHTS`) and length-normalised on its own:

* ``title`` — the node's Thai and English titles;
* ``body`` — its description and the names of its indicators;
* ``ancestors`` — the titles of the nodes above it (a target inherits the words of its sub-plan and master plan);
* ``projects`` — the name, objectives and rationale of every *accepted* project whose primary link is the node or a
  node below it, so a node learns the vocabulary of the projects already linked to it. Drafts, submitted and approved
  projects are left out: only data the public may see teaches the index.

Terms are matched by stem: each word also counts as the word left after a nominal prefix or an agent suffix
(`word_pieces`: การเกษตร and เกษตรกร both give เกษตร). Term weights are BM25 IDF over the units of text (each node's
own text, each accepted project) times how informative the word is in Thai at large (`general_weight`, from the Thai
National Corpus frequencies shipped with PyThaiNLP); the plan-writing boilerplate of `GENERIC_WORDS` (ส่งเสริม, พัฒนา,
โครงการ …) is not matched. Two weaker matches widen the net at `CONTAINED_WEIGHT` and `SYNONYM_WEIGHT`: an index term
inside a longer query word on character-cluster boundaries (อ่างเก็บน้ำ ⊃ น้ำ, never นา inside พัฒนา), and a Thai
WordNet synonym (ชาวนา ~ เกษตรกร, from the `wordnet_th.db` shipped with PyThaiNLP). Nothing is downloaded.
Scores then go up the tree: a node scores at least as much as its best child (a master plan reflects its best
sub-plan), and its reasons are those of whichever scored. The raw score is squashed to 0–1 by `raw / (raw + HALF)`.

The index is built once per framework version (`build_index`) and cached for the life of the process; `refresh()`
drops it (and, by default, the segmentation dictionary) after imports or new accepted projects.
"""

from __future__ import annotations

import functools
import math
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources

from pythainlp.corpus import tnc
from pythainlp.tokenize.tcc import tcc_pos

from tidtam.core.errors import NotFound, ValidationFailed, bilingual
from tidtam.plans.models import Framework, FrameworkVersion, Indicator, Node
from tidtam.plans.selectors import current_version
from tidtam.projects.models import Contribution
from tidtam.textkit.segment import default_words, index_terms, refresh_dictionary, stop_words
from tidtam.workflow.choices import WorkflowStatus

__all__ = [
    "AlignmentIndex",
    "Suggestion",
    "build_index",
    "get_index",
    "refresh",
    "suggest_nodes",
]

DEFAULT_FRAMEWORK = "ns"
FIELDS = ("title", "body", "ancestors", "projects")
# How much a term in each field counts, relative to the node's own title. A description states the node's scope (a
# master plan's title is two or three words, its description the kinds of work under it), so it counts nearly as much.
FIELD_WEIGHTS = {"title": 1.0, "body": 0.8, "ancestors": 0.3, "projects": 0.6}
# BM25 parameters: term-frequency saturation and how much a long field is penalised (per field). Descriptions are
# penalised less than project texts: a master plan's scope is rightly longer than a sub-plan's one-line description.
K1 = 1.2
B = {"title": 0.3, "body": 0.5, "ancestors": 0.3, "projects": 0.75}
# An index term found inside a longer query word (อ่างเก็บน้ำ ⊃ น้ำ) counts this much of a whole-word match.
CONTAINED_WEIGHT = 0.5
MIN_CONTAINED_CHARS = 3
# A match through a Thai WordNet synonym (ชาวนา ~ เกษตรกร) counts this much of a whole-word match.
SYNONYM_WEIGHT = 0.5
MAX_SYNSET_WORDS = 8
# The least a word's general-Thai weight can be (`general_weight`).
MIN_GENERAL_WEIGHT = 0.1
# Words of Thai project and plan writing that say how the work is done or reported, not what it is about: every
# project "ส่งเสริม", "พัฒนา" and "ยกระดับ" something. Not matched (they are not stop words in general Thai).
# โครง is here because newmm may cut โครงการพัฒนา as โครง|การพัฒนา.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    โครงการ กิจกรรม ดำเนินการ ดำเนินงาน ส่งเสริม สนับสนุน พัฒนา การพัฒนา ยกระดับ เสริมสร้าง เสริม สร้าง เพิ่ม เพิ่มขึ้น
    ขับเคลื่อน บรรลุ บรรลุผล ผล ตัวชี้วัด ผลสัมฤทธิ์ เป้าหมาย ค่าเป้าหมาย แผน แผนงาน แผนย่อย แผนแม่บท ยุทธศาสตร์ ปัจจัย
    ประจำปี ปีงบประมาณ งบประมาณ หน่วยงาน ส่วนราชการ ข้อมูลตัวอย่าง ตัวอย่าง สาธิต สมมติ illustrative ด้าน ระดับ
    เชื่อมโยง จัดทำ มากขึ้น ต่อเนื่อง โครง
    """.split()
)
# The raw score that maps to 0.5 (about two distinctive whole-word matches in a title).
HALF = 2.0
MAX_REASONS = 8


@dataclass(frozen=True)
class Suggestion:
    """One ranked plan node: `path` is the codes from the root down to it, `score` is 0–1 (higher is a better
    match), `reasons` the matched query words, most informative first ("เกษตรกร≈เกษตร" for a partial match)."""

    node: Node
    code: str
    path: list[str]
    title: str
    level: str
    depth: int
    score: float
    reasons: list[str]


@dataclass
class _Entry:
    node: Node
    parent: int | None
    children: list[int] = field(default_factory=list)


@dataclass
class AlignmentIndex:
    """The ranking data of one framework version: the nodes, and for every index term its weight in each node."""

    version: FrameworkVersion
    entries: list[_Entry]
    # term → [(entry index, BM25F term score already multiplied by the term's IDF)]
    postings: dict[str, list[tuple[int, float]]]
    idf: dict[str, float]
    accepted_projects: int

    _contained: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @property
    def vocabulary_size(self) -> int:
        return len(self.postings)

    def contained_terms(self, word: str) -> tuple[str, ...]:
        """The index terms of at least `MIN_CONTAINED_CHARS` characters inside the Thai `word` (not `word` itself),
        starting and ending on character-cluster boundaries, so นา is never found inside พัฒนา. Cached."""
        found = self._contained.get(word)
        if found is None:
            found = ()
            if word and _is_thai(word):
                bounds = sorted(tcc_pos(word) | {0, len(word)})
                found = tuple(
                    dict.fromkeys(
                        word[start:end]
                        for i, start in enumerate(bounds)
                        for end in bounds[i + 1 :]
                        if end - start >= MIN_CONTAINED_CHARS
                        and (start, end) != (0, len(word))
                        and word[start:end] in self.postings
                    )
                )
            self._contained[word] = found
        return found


# Prefixes that make a Thai noun of a word (การเกษตร, นักกีฬา, ผู้สูงอายุ, ชาวนา); the word after them is a piece.
THAI_PREFIXES = ("การ", "ความ", "นัก", "ผู้", "ชาว")
# Agent suffixes (เกษตรกร, วิศวกร); the word before them is a piece.
THAI_SUFFIXES = ("กร",)
MIN_PIECE_CHARS = 3


def _is_thai(word: str) -> bool:
    return "\u0e01" <= word[0] <= "\u0e4e"


@functools.lru_cache(maxsize=65536)
def word_pieces(word: str) -> tuple[str, ...]:
    """The meaningful words inside one Thai word, for matching related forms: เกษตรกร and การเกษตร share เกษตร,
    นักท่องเที่ยว and การท่องเที่ยว share ท่องเที่ยว, แหล่งน้ำ and น้ำท่วม share น้ำ.

    The word itself, and the dictionary word after a nominal prefix (`THAI_PREFIXES`) or before an agent suffix
    (`THAI_SUFFIXES`). Ordinary words are not cut further: cutting at every dictionary word inside one gives false
    friends (จังหวัด holds หวัด, "a cold"). Compounds of the plan vocabulary are already cut by `index_terms`.
    Stop words and `GENERIC_WORDS` are left out. Latin words give themselves.
    """
    if not word or not _is_thai(word):
        return (word,) if word else ()
    words, stop = default_words(), stop_words()
    found = [word]
    for prefix in THAI_PREFIXES:
        rest = word.removeprefix(prefix)
        if rest != word and len(rest) >= MIN_PIECE_CHARS and rest in words:
            found.extend(word_pieces(rest))
    for suffix in THAI_SUFFIXES:
        head = word.removesuffix(suffix)
        if head != word and len(head) >= 4 and head in words:
            found.append(head)
    return tuple(dict.fromkeys(piece for piece in found if piece not in stop and piece not in GENERIC_WORDS))


@functools.cache
def _general_frequencies() -> tuple[dict[str, int], float]:
    """Word frequencies of the Thai National Corpus (shipped with PyThaiNLP), and the log of the largest + 1."""
    frequencies = dict(tnc.word_freqs())
    return frequencies, math.log(max(frequencies.values(), default=1) + 1)


def general_weight(term: str) -> float:
    """How informative `term` is in Thai at large, 0–1: `ln((F + 1) / (f + 1)) / ln(F + 1)` with f its frequency in
    the Thai National Corpus and F the largest there (ที่). ดี and ทำ are about 0.17, ประชาชน 0.28, ยาเสพติด 0.44,
    ทุเรียน 0.61; a word the corpus lacks weighs as its piece (`word_pieces`) that it has, else 1 (a compound, a Latin
    word). Never below `MIN_GENERAL_WEIGHT`."""
    frequencies, top = _general_frequencies()
    count = frequencies.get(term)
    if count is None:
        # The corpus cuts การ/ความ/นัก off as words of their own: การท่องเที่ยว weighs as ท่องเที่ยว.
        known = [frequencies[piece] for piece in word_pieces(term) if piece in frequencies]
        count = min(known) if known else 0
    return max(MIN_GENERAL_WEIGHT, min(1.0, (top - math.log(count + 1)) / top))


@functools.cache
def _thesaurus() -> dict[str, tuple[str, ...]]:
    """Thai synonyms from the Thai WordNet shipped with PyThaiNLP (`wordnet_th.db`, words by synset): word → the
    other single words of its synsets, from synsets of at most `MAX_SYNSET_WORDS` words. Empty when the file is
    missing (the assistant then works without synonyms)."""
    path = resources.files("pythainlp.corpus").joinpath("wordnet_th.db")
    if not path.is_file():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT synsetid, li FROM word_synset").fetchall()
    synsets: dict[str, list[str]] = defaultdict(list)
    for synset, word in rows:
        if word and " " not in word and _is_thai(word):
            synsets[synset].append(word)
    synonyms: dict[str, set[str]] = defaultdict(set)
    for words in synsets.values():
        if 1 < len(words) <= MAX_SYNSET_WORDS:
            for word in words:
                synonyms[word].update(other for other in words if other != word)
    return {word: tuple(sorted(others)) for word, others in synonyms.items()}


def synonyms(word: str) -> tuple[str, ...]:
    """The Thai WordNet synonyms of `word` (ชาวนา → กสิกร, เกษตรกร), or ()."""
    return _thesaurus().get(word, ())


def _pieces(counter: Counter) -> Counter:
    pieces: Counter = Counter()
    for term, count in counter.items():
        if term in GENERIC_WORDS:
            continue
        for piece in word_pieces(term):
            pieces[piece] += count
    return pieces


# ------------------------------------------------------------------------------------------------------ building


def _node_texts(version: FrameworkVersion) -> tuple[list[Node], dict[int, list[str]]]:
    nodes = list(version.nodes.select_related("framework_version").order_by("depth", "sort_order", "code"))
    indicators: dict[int, list[str]] = defaultdict(list)
    for node_id, name_th, name_en in Indicator.objects.filter(node__framework_version=version).values_list(
        "node_id", "name_th", "name_en"
    ):
        indicators[node_id].extend(text for text in (name_th, name_en) if text)
    return nodes, indicators


def _accepted_project_texts(version: FrameworkVersion, leave_out: Collection[int] = ()) -> dict[int, list[str]]:
    """Text of the accepted projects (but those of `leave_out`), by the node of their primary link in `version`."""
    texts: dict[int, list[str]] = defaultdict(list)
    rows = (
        Contribution.objects.filter(
            is_primary=True, node__framework_version=version, project__status=WorkflowStatus.ACCEPTED
        )
        .exclude(project_id__in=leave_out)
        .values_list("node_id", "project__name_th", "project__name_en", "project__objectives", "project__rationale")
    )
    for node_id, *parts in rows:
        texts[node_id].append(" ".join(part for part in parts if part))
    return texts


def build_index(framework_version: FrameworkVersion, *, leave_out: Collection[int] = ()) -> AlignmentIndex:
    """Build the alignment index of `framework_version` from its nodes, indicators and accepted projects — but the
    projects of `leave_out` (ids), to judge them by what the others teach."""
    _thesaurus()  # loaded here, not by the first query
    nodes, indicators = _node_texts(framework_version)
    project_texts = _accepted_project_texts(framework_version, leave_out)
    position = {node.pk: i for i, node in enumerate(nodes)}
    entries = [_Entry(node=node, parent=position.get(node.parent_id)) for node in nodes]
    for i, entry in enumerate(entries):
        if entry.parent is not None:
            entries[entry.parent].children.append(i)

    # Terms of each node's own text and of each project, once (a node's ancestors and subtree reuse them).
    own_title = [Counter(index_terms(f"{n.title_th} {n.title_en}")) for n in nodes]
    own_body = [Counter(index_terms(" ".join([n.description, *indicators.get(n.pk, [])]))) for n in nodes]
    projects_own: list[list[Counter]] = [[Counter(index_terms(t)) for t in project_texts.get(n.pk, [])] for n in nodes]

    # The four fields of every node.
    fields: dict[str, list[Counter]] = {"title": own_title, "body": own_body, "ancestors": [], "projects": []}
    for entry in entries:
        ancestors: Counter = Counter()
        parent = entry.parent
        while parent is not None:
            ancestors.update(own_title[parent])
            parent = entries[parent].parent
        fields["ancestors"].append(ancestors)
    subtree_projects: list[Counter] = [sum(cs, Counter()) for cs in projects_own]
    for i in sorted(range(len(entries)), key=lambda i: -entries[i].node.depth):
        if entries[i].parent is not None:
            subtree_projects[entries[i].parent].update(subtree_projects[i])
    fields["projects"] = subtree_projects

    # IDF over the units of text: each node's own text and each accepted project. Counting per node of the tree
    # instead would let ancestor titles, repeated in every descendant, look common in a well-developed master plan.
    units = [own_title[i] + own_body[i] for i in range(len(nodes))] + [c for cs in projects_own for c in cs]
    stem_fields = {name: [_pieces(counter) for counter in counters] for name, counters in fields.items()}
    postings, idf = _postings(stem_fields, [_pieces(unit) for unit in units])
    return AlignmentIndex(
        version=framework_version,
        entries=entries,
        postings=postings,
        idf=idf,
        accepted_projects=sum(len(cs) for cs in projects_own),
    )


def _postings(
    fields: dict[str, list[Counter]], units: list[Counter]
) -> tuple[dict[str, list[tuple[int, float]]], dict[str, float]]:
    """BM25F: term → [(entry, IDF × saturated weighted term frequency)], and the IDF of every term over `units`."""
    df: Counter = Counter()
    for unit in units:
        df.update(unit.keys())
    total = max(len(units), 1)
    idf = {
        term: math.log(1 + (total - count + 0.5) / (count + 0.5)) * general_weight(term) for term, count in df.items()
    }
    size = len(fields["title"])
    average = {name: (sum(c.total() for c in fields[name]) / size if size else 0) or 1 for name in FIELDS}
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i in range(size):
        weighted: dict[str, float] = defaultdict(float)
        for name in FIELDS:
            counter = fields[name][i]
            if not counter:
                continue
            norm = 1 - B[name] + B[name] * counter.total() / average[name]
            for term, count in counter.items():
                if term not in GENERIC_WORDS:
                    weighted[term] += FIELD_WEIGHTS[name] * count / norm
        for term, tf in weighted.items():
            postings[term].append((i, idf.get(term, 0.0) * tf * (K1 + 1) / (tf + K1)))
    return dict(postings), idf


# --------------------------------------------------------------------------------------------------------- cache

_cache: dict[int, AlignmentIndex] = {}
_lock = threading.Lock()


def get_index(framework_version: FrameworkVersion) -> AlignmentIndex:
    """The cached index of `framework_version`, built on first use."""
    index = _cache.get(framework_version.pk)
    if index is None:
        with _lock:
            index = _cache.get(framework_version.pk)
            if index is None:
                index = _cache[framework_version.pk] = build_index(framework_version)
    return index


def refresh(framework_version: FrameworkVersion | None = None, *, dictionary: bool = True) -> None:
    """Drop the cached index of `framework_version` (all of them when None), so the next query rebuilds it from the
    current data; with `dictionary`, rebuild the segmentation dictionary too (new node titles and names)."""
    with _lock:
        if framework_version is None:
            _cache.clear()
        else:
            _cache.pop(framework_version.pk, None)
    if dictionary:
        refresh_dictionary()


def default_version() -> FrameworkVersion:
    """The current version of the National Strategy (`ns`)."""
    framework = Framework.objects.filter(code=DEFAULT_FRAMEWORK).first()
    version = current_version(framework.versions.all()) if framework else None
    if version is None:
        raise NotFound(
            "no_framework",
            bilingual(
                "ไม่พบยุทธศาสตร์ชาติ (ns) ในฐานข้อมูล: นำเข้าแผนก่อน เช่น tidtam demo",
                "The National Strategy (ns) is not in the database: import the plan first, e.g. tidtam demo",
            ),
            {"framework": DEFAULT_FRAMEWORK},
        )
    return version


# --------------------------------------------------------------------------------------------------------- query


def _query_terms(text: str) -> list[str]:
    return [term for term in dict.fromkeys(index_terms(text)) if term not in GENERIC_WORDS]


def _score(index: AlignmentIndex, words: list[str]) -> tuple[dict[int, float], dict[int, dict[str, float]]]:
    """Each entry's direct score for the query `words`, and what each matched word (the reason) contributed."""
    direct: dict[int, float] = defaultdict(float)
    matched: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # Each stem once, shown as the query word it came from (เกษตรกร≈เกษตร) unless it is that word.
    stems: dict[str, str] = {}
    for word in words:
        for stem in word_pieces(word):
            stems.setdefault(stem, word if stem == word else f"{word}≈{stem}")
    for stem, reason in stems.items():
        for i, score in index.postings.get(stem, ()):
            direct[i] += score
            matched[i][reason] += score
    seen = set(stems)
    # Index terms inside a longer query word, cut on character-cluster boundaries (อ่างเก็บน้ำ holds น้ำ).
    for word in words:
        for term in index.contained_terms(word):
            if term in seen or term in GENERIC_WORDS:
                continue
            seen.add(term)
            for i, score in index.postings[term]:
                direct[i] += CONTAINED_WEIGHT * score
                matched[i][f"{word}⊃{term}"] += CONTAINED_WEIGHT * score
    # Synonyms (Thai WordNet) of the query words that the index holds and the query does not.
    for word in words:
        for synonym in synonyms(word):
            if synonym in seen or synonym in GENERIC_WORDS:
                continue
            seen.add(synonym)
            for i, score in index.postings.get(synonym, ()):
                direct[i] += SYNONYM_WEIGHT * score
                matched[i][f"{word}~{synonym}"] += SYNONYM_WEIGHT * score
    return direct, matched


def _level_matches(entry: _Entry, level: str | int | None) -> bool:
    if level is None:
        return True
    if isinstance(level, int):
        return entry.node.depth == level
    return entry.node.level_key() == level


def suggest_nodes(
    *,
    text: str,
    framework_version: FrameworkVersion | None = None,
    limit: int = 10,
    level: str | int | None = None,
    index: AlignmentIndex | None = None,
) -> list[Suggestion]:
    """The plan nodes of `framework_version` (default: the current version of `ns`) that a project described by
    `text` (its Thai name and objectives, English optional) most likely serves, best first.

    `level` keeps one level: its key ("master_plan", "sub_plan", "target") or its depth (1 = top). `index` is a
    version's index built by the caller (`build_index(..., leave_out=...)`) instead of the cached one. Raises
    `ValidationFailed` when `text` is blank or has no word to match.
    """
    if not text or not text.strip():
        raise ValidationFailed(
            "empty_text",
            bilingual(
                "ใส่ชื่อโครงการและวัตถุประสงค์ (ภาษาไทย) เพื่อหาแผนที่โครงการสนับสนุน",
                "Give the project's name and objectives (in Thai) to find the plan nodes it serves",
            ),
            {"text": ["required"]},
        )
    if index is None:
        index = get_index(framework_version or default_version())
    words = _query_terms(text)
    if not words:
        raise ValidationFailed(
            "no_terms",
            bilingual(
                "ข้อความไม่มีคำที่ใช้จับคู่ได้ (มีแต่เครื่องหมายหรือคำทั่วไป) โปรดบรรยายชื่อและวัตถุประสงค์ของโครงการ",
                "The text has no words to match (only punctuation or common words): describe the project's name "
                "and objectives",
            ),
            {"text": ["no_terms"]},
        )
    direct, matched = _score(index, words)

    # Up the tree: a node scores at least its best child; its reasons follow whichever won.
    final: dict[int, float] = dict(direct)
    source: dict[int, int] = {i: i for i in direct}
    order = sorted(range(len(index.entries)), key=lambda i: -index.entries[i].node.depth)
    for i in order:
        parent = index.entries[i].parent
        if parent is None or i not in final:
            continue
        if final[i] > final.get(parent, 0.0):
            final[parent] = final[i]
            source[parent] = source[i]

    ranked = sorted(
        (i for i in final if final[i] > 0 and _level_matches(index.entries[i], level)),
        key=lambda i: (-final[i], index.entries[i].node.depth, index.entries[i].node.code),
    )
    suggestions = []
    for i in ranked[:limit]:
        node = index.entries[i].node
        reasons = sorted(matched[source[i]].items(), key=lambda item: (-item[1], item[0]))
        suggestions.append(
            Suggestion(
                node=node,
                code=node.code,
                path=node.path_codes,
                title=node.title_th,
                level=node.level_key(),
                depth=node.depth,
                score=round(final[i] / (final[i] + HALF), 4),
                reasons=[reason for reason, _ in reasons[:MAX_REASONS]],
            )
        )
    return suggestions
