"""Normalise Thai text as it arrives from documents and forms.

``normalise`` makes text that looks the same compare the same:

* zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) and the soft hyphen are removed;
* Thai digits ๐–๙ become ASCII 0–9;
* Unicode NFC;
* Thai marks above and below a consonant are put in one order — vowel marks, then the tone mark, then the other
  signs (ํ ์ ๎) — and a mark typed twice is kept once, so "ท + ่ + ี" becomes "ที่";
* a decomposed sara am (NIKHAHIT + SARA AA, with or without a tone mark between or before) becomes SARA AM: "น + ํ + ้
  + า" and "น + ้ + ํ + า" both become "น้ำ";
* any other combining mark typed twice in a row is kept once;
* every run of whitespace (NBSP, tabs, line breaks …) becomes one space and the ends are stripped; with
  ``keep_lines=True`` a run holding one line break becomes "\\n" and a run holding more becomes "\\n\\n".

The zero-width characters go before NFC, not after: removing one can bring a letter and a combining mark together,
and NFC must see the result for ``normalise`` to be idempotent.

``normalise_mapped`` does the same and also remembers where each output character came from in the input, so a match
found in the normalised text can be shown in the original (``tidtam.textkit.dates`` reports spans this way).

Stdlib only; no Django imports.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from tidtam.core.thaicalendar import to_arabic_digits

__all__ = ["NormalisedText", "normalise", "normalise_mapped"]

_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_NIKHAHIT = "\u0e4d"
_SARA_AA = "\u0e32"
_SARA_AM = "\u0e33"
_TONES = frozenset("\u0e48\u0e49\u0e4a\u0e4b")
_VOWEL_MARKS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47")
_THAI_MARKS = _VOWEL_MARKS | _TONES | frozenset("\u0e4c\u0e4d\u0e4e")

# Convergence guard for the per-unit NFC + Thai fix loop; real text settles after one round.
_MAX_ROUNDS = 4


def _mark_key(mark: str) -> tuple[int, int]:
    # Vowel marks first (by combining class, so NFC keeps the order), then tone marks, then the other signs.
    if mark in _VOWEL_MARKS:
        return 0, unicodedata.combining(mark)
    if mark in _TONES:
        return 1, 0
    return 2, 0


def _fix_marks(unit: str) -> str:
    """One round of the Thai mark rules and the duplicate-mark rule on an NFC unit."""
    out: list[str] = []
    i, n = 0, len(unit)
    while i < n:
        c = unit[i]
        if c in _THAI_MARKS:
            j = i
            while j < n and unit[j] in _THAI_MARKS:
                j += 1
            run, tail = unit[i:j], ""
            if _NIKHAHIT in run and j < n and unit[j] == _SARA_AA:
                run, tail = run.replace(_NIKHAHIT, ""), _SARA_AM
                j += 1
            out.append("".join(sorted(dict.fromkeys(run), key=_mark_key)) + tail)
            i = j
        else:
            if not (out and out[-1][-1:] == c and unicodedata.category(c) == "Mn"):
                out.append(c)
            i += 1
    return "".join(out)


def _normalise_unit(unit: str) -> str:
    for _ in range(_MAX_ROUNDS):
        fixed = _fix_marks(unicodedata.normalize("NFC", unit))
        if fixed == unit:
            break
        unit = fixed
    return unit


def _trailing_thai_marks(unit: list[str]) -> set[str]:
    marks: set[str] = set()
    for c in reversed(unit):
        if c not in _THAI_MARKS:
            break
        marks.add(c)
    return marks


def _joins(unit: list[str], c: str) -> bool:
    """Whether ``c`` belongs to the same unit as the characters before it (the rules never look across units)."""
    if c.isascii():
        return False
    if "\u0e00" <= c <= "\u0e7f":
        return c in _THAI_MARKS or (c == _SARA_AA and _NIKHAHIT in _trailing_thai_marks(unit))
    if unicodedata.combining(c) or unicodedata.category(c).startswith("M"):
        return True
    # A starter that NFC composes with what precedes it (Hangul jamo, some Indic vowel signs).
    nfc = functools.partial(unicodedata.normalize, "NFC")
    text = "".join(unit)
    return nfc(text + c) != nfc(text) + nfc(c)


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """Normalised text plus, for each of its characters, the span of the input it came from."""

    text: str
    source: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``[start, end)`` of ``text`` to the span of ``source`` it was made from."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span out of range: {(start, end)!r}")
        if start == end:
            at = self.starts[start] if start < len(self.text) else len(self.source)
            return at, at
        return self.starts[start], self.ends[end - 1]


def _separator(run: str, keep_lines: bool) -> str:
    if not keep_lines:
        return " "
    breaks = len(("x" + run + "x").splitlines()) - 1  # "\r\n" counts once
    return "\n\n" if breaks > 1 else "\n" if breaks == 1 else " "


# Text the rules leave alone but for its digits and whitespace: ASCII, Thai (no NIKHAHIT: it may start a decomposed
# sara am) and general punctuation (dashes, quotes, bullets; U+2010–U+2027, U+2030–U+205E: no spaces, no invisible
# characters) whose every run of Thai marks is already in order (`_is_plain`). Most stored text is; it takes a short
# cut.
_PLAIN = re.compile("[\t\n\r\x20-\x7e\u0e01-\u0e4c\u0e4e-\u0e5b\u2010-\u2027\u2030-\u205e]*")
_MARK_RUN = re.compile("[" + "".join(sorted(_THAI_MARKS)) + "]{2,}")


def _in_order(marks: str) -> bool:
    return "".join(sorted(dict.fromkeys(marks), key=_mark_key)) == marks


def _is_plain(text: str) -> bool:
    return _PLAIN.fullmatch(text) is not None and all(_in_order(run.group()) for run in _MARK_RUN.finditer(text))


def _pieces(text: str, keep_lines: bool) -> Iterator[tuple[str, int, int]]:
    """Yield the normalised text in pieces, each with the span of ``text`` it was made from."""
    # Units: a whitespace character alone, or a starter with the marks (and composing characters) that follow it.
    units: list[tuple[list[str], int, list[int]]] = []  # (characters, start, [end])
    for i, c in enumerate(to_arabic_digits(text)):
        if c in _INVISIBLE:
            continue
        if units and not c.isspace() and not units[-1][0][0].isspace() and _joins(units[-1][0], c):
            units[-1][0].append(c)
            units[-1][2][0] = i + 1
        else:
            units.append(([c], i, [i + 1]))

    space: list[str] = []  # the whitespace run being collapsed
    space_start = space_end = 0
    started = False
    for chars, start, (end,) in units:
        if chars[0].isspace():
            if not space:
                space_start = start
            space.append(chars[0])
            space_end = end
            continue
        if space and started:
            yield _separator("".join(space), keep_lines), space_start, space_end
        space = []
        started = True
        c = chars[0]
        if len(chars) == 1 and (c.isascii() or "\u0e00" <= c <= "\u0e7f"):
            yield c, start, end  # NFC leaves a lone ASCII or Thai character alone and no mark rule applies
        else:
            yield _normalise_unit("".join(chars)), start, end


def normalise_mapped(text: str, *, keep_lines: bool = False) -> NormalisedText:
    """Normalise ``text`` like ``normalise`` and keep, for every output character, the input span it came from.

    Output characters made from one input cluster (a letter and its marks, or a collapsed whitespace run) all map to
    that cluster's whole span.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise expects str, got {type(text).__name__}")
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece, start, end in _pieces(text, keep_lines):
        out.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return NormalisedText("".join(out), text, tuple(starts), tuple(ends))


def normalise(text: str, *, keep_lines: bool = False) -> str:
    """Return ``text`` normalised for storage, comparison and search (see the module docstring for the rules).

    "ราคา ๑,๒๓๔ บาท" → "ราคา 1,234 บาท", "ท่ี" (tone before sara ii) → "ที่"; ASCII text only has its whitespace
    collapsed. Idempotent: ``normalise(normalise(x)) == normalise(x)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise expects str, got {type(text).__name__}")
    if not keep_lines and _is_plain(text):
        return " ".join(to_arabic_digits(text).split())
    return "".join(piece for piece, _, _ in _pieces(text, keep_lines))
