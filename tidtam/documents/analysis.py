"""What a document mentions and what it relates to: dates (`textkit.dates`), organisations (names and abbreviations
from the organisation table), countries (Thai and English names from `core/data/countries.csv`), and suggested
links to plan nodes (`textkit.align.suggest_nodes`) and projects (the search index). Reasons are the matched terms,
so a reviewer can see why each link was suggested."""

import functools
import re
from dataclasses import dataclass, field

from tidtam.core.errors import ServiceError
from tidtam.core.reference import read_rows
from tidtam.organisations.models import Organisation
from tidtam.textkit.dates import find_dates
from tidtam.textkit.normalise import normalise

ANALYSED_CHARS = 200_000  # organisations and countries are looked for in this much of the text
LEADING_CHARS = 2000  # the part of the text (after the title) the link suggestions read
NODE_LIMIT = 5
PROJECT_LIMIT = 5
MIN_THAI_ABBREVIATION = 3  # shorter Thai abbreviations ("กห") occur inside ordinary words
# Country names also written other ways in Thai and English documents.
COUNTRY_ALIASES = {
    "ประเทศไทย": "TH",
    "สหรัฐฯ": "US",
    "สหรัฐ": "US",
    "อเมริกา": "US",
    "USA": "US",
    "สปป.ลาว": "LA",
    "เกาหลีใต้": "KR",
    "รัสเซีย": "RU",
    "พม่า": "MM",
    "Korea": "KR",
    "Russia": "RU",
    "Viet Nam": "VN",
}
# Thai country names that are also ordinary words or personal names: counted only after "ประเทศ".
AMBIGUOUS_TH = frozenset({"ชาด", "มาลี", "กวม", "โตโก", "จอร์แดน"})


@dataclass
class LinkSuggestion:
    """A suggested link: `target` "project" or "node", the object, a score (higher is better; node and project
    scores are not comparable) and the matched terms."""

    target: str
    obj: object
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    dates: list[dict]
    organisations: list[Organisation]
    countries: list[str]  # ISO alpha-2
    links: list[LinkSuggestion]


def dates_in(text: str) -> list[dict]:
    """The date mentions as JSON-ready dicts (CE ISO dates), in text order, each found once."""
    found, seen = [], set()
    for mention in find_dates(text):
        row = {
            "kind": str(mention.kind),
            "start": mention.start.isoformat() if mention.start else None,
            "end": mention.end.isoformat() if mention.end else None,
            "text": mention.text,
            "fiscal_year": mention.fiscal_year,
            "quarter": mention.quarter,
        }
        key = (row["kind"], row["start"], row["end"], row["text"])
        if key not in seen:
            seen.add(key)
            found.append(row)
    return found


def _consume(text: str, needles: list[tuple[str, object]], *, word_bounded) -> list[object]:
    """The values whose needle occurs in `text`, longest needle first; its matches hide their spans from shorter
    needles (so "ปาปัวนิวกินี" is not also "กินี"). `word_bounded(needle)` says whether it needs word boundaries."""
    taken = [False] * len(text)
    found: list[object] = []
    for needle, value in sorted(needles, key=lambda item: -len(item[0])):
        if not needle or value in found or needle not in text:  # the substring test is fast; most needles are absent
            continue
        pattern = re.escape(needle)
        if word_bounded(needle):
            pattern = rf"(?<!\w){pattern}(?!\w)"
        matched = False
        for match in re.finditer(pattern, text):
            if not any(taken[match.start() : match.end()]):
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                matched = True
        if matched:  # every occurrence is taken, so a shorter name inside a later one is not counted either
            found.append(value)
    return found


def _is_latin(needle: str) -> bool:
    return needle.isascii()


def organisations_in(text: str) -> list[Organisation]:
    """Active organisations whose Thai or English name or abbreviation appears in `text` (names exactly as
    normalised; English names case-insensitively, abbreviations case-sensitively, both as whole words)."""
    needles: list[tuple[str, object]] = []
    lower = text.lower()
    by_pk = {}
    for organisation in Organisation.objects.filter(is_active=True).only(
        "pk", "code", "name_th", "name_en", "abbreviation_th", "abbreviation_en", "path", "depth"
    ):
        by_pk[organisation.pk] = organisation
        name, abbreviation = normalise(organisation.name_th or ""), normalise(organisation.abbreviation_th or "")
        if name:
            needles.append((name, organisation.pk))
        if len(abbreviation) >= MIN_THAI_ABBREVIATION:
            needles.append((abbreviation, organisation.pk))
    found = _consume(text, needles, word_bounded=_is_latin)
    english = []
    for organisation in by_pk.values():
        if organisation.name_en:
            english.append((normalise(organisation.name_en).lower(), organisation.pk))
    found += [pk for pk in _consume(lower, english, word_bounded=_is_latin) if pk not in found]
    abbreviations = [(o.abbreviation_en.strip(), o.pk) for o in by_pk.values() if len(o.abbreviation_en.strip()) >= 2]
    found += [pk for pk in _consume(text, abbreviations, word_bounded=_is_latin) if pk not in found]
    return [by_pk[pk] for pk in found]


@functools.cache
def _country_needles() -> tuple[tuple[str, str], ...]:
    needles = []
    for row in read_rows("countries.csv"):
        needles.append((row["name_th"], row["alpha2"]))
        needles.append((row["name_en"], row["alpha2"]))
    needles += [(alias, code) for alias, code in COUNTRY_ALIASES.items()]
    return tuple((normalise(name), code) for name, code in needles if name)


def countries_in(text: str) -> list[str]:
    """ISO alpha-2 codes of the countries named in `text` (Thai or English names, a few common aliases)."""
    needles = []
    for name, code in _country_needles():
        if name in AMBIGUOUS_TH:
            name = "ประเทศ" + name
        needles.append((name, code))
    return sorted(set(_consume(text, needles, word_bounded=_is_latin)))


def node_suggestions(text: str) -> list[LinkSuggestion]:
    """Plan nodes of the National Strategy the text most likely serves (`textkit.align.suggest_nodes`); none when
    the strategy is not loaded or the text has no word to match."""
    from tidtam.textkit.align import suggest_nodes

    try:
        suggestions = suggest_nodes(text=text, limit=NODE_LIMIT)
    except ServiceError:
        return []
    return [LinkSuggestion("node", s.node, float(s.score), list(s.reasons)) for s in suggestions]


def project_suggestions(*, user, text: str) -> list[LinkSuggestion]:
    """Projects the uploader may see whose search entries hold any of the terms of `text` (the search index's
    ranking); the reasons are the terms each project's entry holds."""
    from tidtam.projects.models import Project
    from tidtam.search import backends
    from tidtam.search.choices import EntryKind
    from tidtam.search.models import SearchEntry
    from tidtam.search.selectors import search_terms, visible_entries

    terms = search_terms(text)
    if not terms:
        return []
    candidates = visible_entries(user=user).filter(kind=EntryKind.PROJECT)
    ranked = backends.ranked(terms, candidates, PROJECT_LIMIT, match_all=False)
    entries = SearchEntry.objects.in_bulk([pk for pk, _ in ranked])
    projects = Project.objects.in_bulk([entries[pk].object_id for pk, _ in ranked if pk in entries])
    suggestions = []
    for pk, score in ranked:
        entry = entries.get(pk)
        project = projects.get(entry.object_id) if entry else None
        if project is None:
            continue
        held = set(entry.title_terms.split()) | set(entry.terms.split())
        reasons = [term for term in terms if term in held]
        suggestions.append(LinkSuggestion("project", project, round(float(score), 4), reasons))
    return suggestions


def analyse(*, user, title: str, text: str) -> Analysis:
    """Everything the ingestion stores besides the text itself."""
    leading = f"{title}\n{text[:LEADING_CHARS]}"
    body = f"{title}\n{text[:ANALYSED_CHARS]}"
    return Analysis(
        dates=dates_in(text[:ANALYSED_CHARS]),
        organisations=organisations_in(body),
        countries=countries_in(body),
        links=node_suggestions(leading) + project_suggestions(user=user, text=leading),
    )
