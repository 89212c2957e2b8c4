"""Thai word segmentation for search indexing and matching.

Text is normalised first (`tidtam.textkit.normalise`), then cut into runs: Thai runs go through PyThaiNLP's `newmm`
with the project dictionary; Latin words and numbers are kept whole (lower-cased); everything else (punctuation,
whitespace, the marks ฯ and ๆ) separates words and is dropped.

The project dictionary is PyThaiNLP's Thai word list plus a built-in plan vocabulary (`PLAN_VOCABULARY`) plus terms
taken from the data: organisation names, country names and short plan-node titles. It is built on first use (never at
import time, so importing this module does not touch the database), cached per process, and rebuilt by
`refresh_dictionary()`. Everything used here ships with the `pythainlp` package: nothing is downloaded at run time.
"""

import functools
import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from pythainlp.corpus import thai_stopwords, thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.tokenize.tcc import tcc_pos
from pythainlp.util import Trie, dict_trie

from tidtam.textkit.normalise import normalise

# Terms of Thai planning and M&E that should stay whole even where PyThaiNLP's word list would split them.
# Sub-words are still indexed (see `index_terms`), so adding a compound here never hides its parts from search.
PLAN_VOCABULARY: tuple[str, ...] = (
    "ยุทธศาสตร์ชาติ",
    "ยุทธศาสตร์ชาติด้านความมั่นคง",
    "แผนแม่บท",
    "แผนแม่บทภายใต้ยุทธศาสตร์ชาติ",
    "แผนย่อย",
    "แผนระดับ",
    "แผนพัฒนาเศรษฐกิจและสังคมแห่งชาติ",
    "แผนการปฏิรูปประเทศ",
    "แผนปฏิบัติราชการ",
    "แผนปฏิบัติการ",
    "แผนระดับชาติ",
    "กรอบแผน",
    "เป้าหมาย",
    "ค่าเป้าหมาย",
    "ตัวชี้วัด",
    "ปัจจัยขับเคลื่อน",
    "ผลสัมฤทธิ์",
    "ผลผลิต",
    "ผลลัพธ์",
    "ความก้าวหน้า",
    "รายงานผล",
    "ติดตามประเมินผล",
    "การติดตามและประเมินผล",
    "ปีงบประมาณ",
    "งบประมาณ",
    "งบประมาณรายจ่าย",
    "หน่วยรับงบประมาณ",
    "ส่วนราชการ",
    "รัฐวิสาหกิจ",
    "องค์กรปกครองส่วนท้องถิ่น",
    "ภาครัฐ",
    "การบริหารจัดการภาครัฐ",
    "ความมั่นคง",
    "ความมั่นคงทางไซเบอร์",
    "ความมั่นคงทางทะเล",
    "ความมั่นคงแห่งชาติ",
    "ไซเบอร์",
    "ภัยคุกคาม",
    "ความสามารถในการแข่งขัน",
    "ทรัพยากรมนุษย์",
    "ความเสมอภาค",
    "ความเหลื่อมล้ำ",
    "การพัฒนาที่ยั่งยืน",
    "เป้าหมายการพัฒนาที่ยั่งยืน",
    "สิ่งแวดล้อม",
    "การเปลี่ยนแปลงสภาพภูมิอากาศ",
    "ความร่วมมือระหว่างประเทศ",
    "ประชาคมอาเซียน",
    "เศรษฐกิจดิจิทัล",
    "รัฐบาลดิจิทัล",
    "ปัญญาประดิษฐ์",
    "สังคมสูงวัย",
    "ห่วงโซ่อุปทาน",
    "ธรรมาภิบาล",
    "การบูรณาการ",
    "การต่อต้านการทุจริต",
)

# English stop words dropped from index and query terms (PyThaiNLP's list covers Thai).
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on
    once only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
    """.split()
)

# A title, or a phrase of a longer title, this short is a term of its own (see `_title_terms`).
MAX_TITLE_TERM_WORDS = 4
MAX_TITLE_TERM_CHARS = 30
# Thai runs whose index terms are remembered (`_project_run_terms`): ≈ 100 MB at most.
RUN_CACHE_SIZE = 200_000

# Thai letters, vowels and tone marks; not Thai digits, ฿, ฯ (U+0E2F), ๆ (U+0E46) or the signs ๏ ๚ ๛.
_THAI = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e"
_RUN_RE = re.compile(
    rf"(?P<thai>[{_THAI}]+)"
    # 1,000 and 1,000.50 (thousands separators are dropped), 3.5 and 4.0; other digits fall to the next branch.
    r"|(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)+)"
    # Latin (and other non-Thai) letters and digits, e.g. "covid19", "5g".
    r"|(?P<word>[^\W_\u0e00-\u0e7f]+)"
)
_ETC_RE = re.compile("ฯลฯ")  # "and so on": a mark, not a word; without this its middle letter would be a token


def _thai_runs(text: str) -> Iterator[str]:
    for match in _RUN_RE.finditer(text):
        if match.lastgroup == "thai":
            yield match.group()


@functools.cache
def default_words() -> frozenset[str]:
    """PyThaiNLP's Thai word list (shipped with the package)."""
    return frozenset(thai_words())


@functools.cache
def base_dictionary() -> Trie:
    """PyThaiNLP's Thai word list plus `PLAN_VOCABULARY` (no database). Cached per process."""
    return dict_trie(default_words() | set(PLAN_VOCABULARY))


@functools.cache
def stop_words() -> frozenset[str]:
    """PyThaiNLP's Thai stop words plus `ENGLISH_STOP_WORDS`."""
    return frozenset(thai_stopwords()) | ENGLISH_STOP_WORDS


def _edges_are_words(run: str, dictionary: Trie) -> tuple[int, bool]:
    """How many words `run` has, and whether its first and last words are not stop words."""
    words = word_tokenize(run, custom_dict=dictionary, engine="newmm", keep_whitespace=False)
    return len(words), words[0] not in stop_words() and words[-1] not in stop_words()


def _name_terms(names: Iterable[str], dictionary: Trie) -> set[str]:
    """Names are proper nouns: each is added whole. A name written in several Thai runs (cut at spaces or
    punctuation) gives each run that neither starts nor ends with a stop word (not "และซาบา")."""
    terms: set[str] = set()
    for name in names:
        runs = [run for run in _thai_runs(normalise(name)) if len(run) > 1]
        if len(runs) == 1:
            terms.add(runs[0])
        else:
            terms.update(run for run in runs if _edges_are_words(run, dictionary)[1])
    return terms


def _title_terms(titles: Iterable[str], dictionary: Trie) -> set[str]:
    """Terms from plan-node titles: a short title whole, and the short phrases of a longer one.

    A title that is one Thai run of at most `MAX_TITLE_TERM_CHARS` characters and more than one word is added whole
    ("ด้านการศึกษา"). In a title of several runs (cut at spaces and punctuation), a run is added when it has 2 to
    `MAX_TITLE_TERM_WORDS` words, at most `MAX_TITLE_TERM_CHARS` characters, and neither starts nor ends with a stop
    word (not "และดิจิทัล").
    """
    terms: set[str] = set()
    for title in titles:
        runs = list(_thai_runs(normalise(title)))
        for run in runs:
            if run in terms or len(run) > MAX_TITLE_TERM_CHARS:
                continue
            count, clean_edges = _edges_are_words(run, dictionary)
            if (len(runs) == 1 and count > 1) or (2 <= count <= MAX_TITLE_TERM_WORDS and clean_edges):
                terms.add(run)
    return terms


class _Project(NamedTuple):
    dictionary: Trie
    data_terms: frozenset[str]
    # Organisation names and node-title terms: `index_terms` splits them even where PyThaiNLP lists them as one word
    # (it lists "กระทรวงการต่างประเทศ").
    compounds: frozenset[str]
    # The index terms of the Thai runs segmented so far (`_project_run_terms`), dropped with the dictionary.
    run_terms: dict[str, tuple[str, ...]]


@functools.cache
def _project() -> _Project:
    from tidtam.core.models import Country
    from tidtam.organisations.models import Organisation
    from tidtam.plans.models import Node

    base = base_dictionary()
    organisations = _name_terms(Organisation.objects.order_by().values_list("name_th", flat=True).distinct(), base)
    abbreviations = _name_terms(
        Organisation.objects.order_by().exclude(abbreviation_th="").values_list("abbreviation_th", flat=True), base
    )
    countries = _name_terms(Country.objects.order_by().values_list("name_th", flat=True), base)
    titles = _title_terms(Node.objects.order_by().values_list("title_th", flat=True).distinct(), base)
    terms = organisations | abbreviations | countries | titles
    return _Project(
        dict_trie(default_words() | set(PLAN_VOCABULARY) | terms),
        frozenset(terms),
        frozenset(organisations | titles),
        {},
    )


def data_terms() -> frozenset[str]:
    """The dictionary terms taken from the data (see `project_dictionary`), as cached with it."""
    return _project().data_terms


def project_dictionary() -> Trie:
    """The segmentation dictionary: PyThaiNLP's word list, `PLAN_VOCABULARY` and the terms of the data.

    Data terms: each organisation's Thai name and abbreviation and each Thai country name, whole (every run between
    spaces or punctuation); and from plan-node titles, short titles whole and the short phrases of longer ones (see
    `_title_terms`).
    Built on first call (it reads the database) and cached per process; `refresh_dictionary()` rebuilds it.
    """
    return _project().dictionary


def refresh_dictionary() -> Trie:
    """Drop the cached project dictionary and build it again from the current data (after imports, new names)."""
    _project.cache_clear()
    return project_dictionary()


def _thai_words(run: str, dictionary: Trie) -> list[str]:
    return [
        word
        for word in word_tokenize(run, custom_dict=dictionary, engine="newmm", keep_whitespace=False)
        if word and not word.isspace()
    ]


def _runs(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of each run of `text` after normalisation: "thai", "number" (thousands separators dropped) or
    "word" (lower-cased)."""
    for match in _RUN_RE.finditer(_ETC_RE.sub(" ", normalise(text))):
        kind, run = match.lastgroup, match.group()
        if kind == "number":
            run = run.replace(",", "")
        elif kind == "word":
            run = run.lower()
        yield kind, run


def tokenize(text: str, *, dictionary: Trie | None = None) -> list[str]:
    """The words of `text` in order: Thai by `newmm` with `dictionary` (default: the project dictionary), Latin words
    and numbers whole and lower-cased; no punctuation, no whitespace, no empty strings."""
    if dictionary is None:
        dictionary = project_dictionary()
    tokens: list[str] = []
    for kind, run in _runs(text):
        if kind == "thai":
            tokens.extend(_thai_words(run, dictionary))
        else:
            tokens.append(run)
    return tokens


def _split(token: str, dictionary: Trie) -> list[str]:
    """The dictionary words of `token`'s best split into two or more pieces, or [] when there is none.

    "Best" is maximal matching on Thai character-cluster boundaries: fewest characters outside dictionary words, then
    fewest pieces, then the most even lengths (ธุรกิจ|การค้า, not ธุร|กิจการค้า); the token itself does not count as a
    word. Characters outside words make pieces too but are not returned.
    """
    n = len(token)
    bounds = sorted(tcc_pos(token) | {0, n})
    following = dict(zip(bounds, bounds[1:], strict=False))
    is_bound = set(bounds)
    # best[i]: (characters outside words, pieces, sum of squared word lengths) for token[:i];
    # back[i]: (start, is a word) of its last step
    best: dict[int, tuple[int, int, int]] = {0: (0, 0, 0)}
    back: dict[int, tuple[int, bool]] = {}
    for i in bounds[:-1]:
        if i not in best:
            continue
        outside, pieces, spread = best[i]
        steps = [
            (i + len(word), (outside, pieces + 1, spread + len(word) ** 2), True)
            for word in dictionary.prefixes(token[i:])
        ]
        # one cluster outside the dictionary; it only starts a new piece after a word
        glued = i in back and not back[i][1]
        steps.append((following[i], (outside + following[i] - i, pieces + (not glued), spread), False))
        for end, cost, is_word in steps:
            if end not in is_bound or (is_word and i == 0 and end == n):
                continue
            if end not in best or cost < best[end]:
                best[end], back[end] = cost, (i, is_word)
    if n not in back or best[n][1] < 2:
        return []
    words = []
    end = n
    while end:
        start, is_word = back[end]
        if is_word:
            words.append(token[start:end])
        end = start
    return words[::-1]


# Words that head Thai compounds: nominalisers (การ, ความ), agents (นัก, ผู้) and relations (ทาง, ด้าน, เชิง). The
# dictionary lists many such compounds whole (การท่องเที่ยว, ทางทะเล, นักกีฬา); the word after the head is indexed too.
_HEADS = ("การ", "ความ", "ทาง", "ด้าน", "เชิง", "นัก", "ผู้")


def _after_head(word: str, dictionary: Trie) -> str | None:
    """The dictionary word after the head of `word` ("การท่องเที่ยว" → ท่องเที่ยว), or None."""
    for head in _HEADS:
        rest = word.removeprefix(head)
        if rest != word and len(rest) > 1 and rest in dictionary:
            return rest
    return None


def sub_words(token: str, dictionary: Trie, compounds: frozenset[str] = frozenset()) -> list[str]:
    """The words inside a Thai `token`, at every level, in order; [] when it has none.

    A compound is a word that `dictionary` holds and PyThaiNLP's own word list does not (the plan vocabulary, names
    and title terms of the data), or one of `compounds`: it is split by `_split`, and each piece is looked into
    again. "ความมั่นคงทางไซเบอร์" → ความมั่นคง, มั่นคง, ทาง, ไซเบอร์. Any other word gives the word after its head
    (`_HEADS`), if the dictionary has it: "การท่องเที่ยว" → ท่องเที่ยว, "ทางทะเล" → ทะเล.
    """
    if not (token in compounds or (token not in default_words() and token in dictionary)):
        rest = _after_head(token, dictionary)
        return [rest, *sub_words(rest, dictionary, compounds)] if rest else []
    found: list[str] = []
    for piece in _split(token, dictionary):
        found.append(piece)
        found.extend(sub_words(piece, dictionary, compounds))
    return list(dict.fromkeys(found))


def _compound_terms(run: str, dictionary: Trie, compounds: frozenset[str]) -> tuple[str, ...]:
    terms: list[str] = []
    for token in _thai_words(run, dictionary):
        terms.append(token)
        terms.extend(sub_words(token, dictionary, compounds))
    return tuple(terms)


def _project_run_terms(run: str) -> tuple[str, ...]:
    """`_compound_terms` of a Thai run with the project dictionary, remembered with the dictionary (at most
    `RUN_CACHE_SIZE` runs): the same phrases (organisation names, plan titles, the set phrases of project writing)
    recur across thousands of projects, and segmenting is the costly part of indexing."""
    project = _project()
    terms = project.run_terms.get(run)
    if terms is None:
        if len(project.run_terms) >= RUN_CACHE_SIZE:
            project.run_terms.clear()
        terms = project.run_terms[run] = _compound_terms(run, project.dictionary, project.compounds)
    return terms


def index_terms(text: str, *, dictionary: Trie | None = None) -> list[str]:
    """The terms to store in a full-text index for `text`.

    `tokenize(text)` in order, each compound Thai token followed by its `sub_words` (so a search for "ความมั่นคง"
    finds "ความมั่นคงทางไซเบอร์" although the dictionary keeps that whole), then stop words removed. Repeated words
    stay repeated, so an index may count them.
    """
    stop = stop_words()
    terms: list[str] = []
    for kind, run in _runs(text):
        if kind != "thai":
            terms.append(run)
        elif dictionary is None:
            terms.extend(_project_run_terms(run))
        else:
            terms.extend(_compound_terms(run, dictionary, frozenset()))
    return [term for term in terms if term not in stop]


def query_terms(text: str, *, dictionary: Trie | None = None) -> list[str]:
    """The terms of a search query: `tokenize(text)` without stop words and repeats, in order."""
    stop = stop_words()
    return list(dict.fromkeys(token for token in tokenize(text, dictionary=dictionary) if token not in stop))


def split_phrase(word: str, *, dictionary: Trie | None = None) -> str | None:
    """`word` cut into two or more dictionary words, as a phrase without stop words ("ค้ามนุษย์" → "ค้า มนุษย์"), or
    None. A search may look for it too: the index may hold the word cut where the query keeps it whole
    (การค้า|มนุษย์)."""
    if dictionary is None:
        dictionary = project_dictionary()
    pieces = _split(word, dictionary)
    if "".join(pieces) != word:
        return None
    words = [piece for piece in pieces if piece not in stop_words()]
    return " ".join(words) if len(words) > 1 else None
