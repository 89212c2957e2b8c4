"""Tests for tidtam.textkit.normalise (pure Python, no database)."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.textkit.normalise import normalise, normalise_mapped

NIKHAHIT, SARA_AA, SARA_II, MAI_EK, MAI_THO = "\u0e4d", "\u0e32", "\u0e35", "\u0e48", "\u0e49"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"

# Thai block, invisible characters, assorted whitespace, other scripts' combining marks and composing pairs: the
# places where the rules could interact with each other or with NFC.
THAI = "".join(chr(c) for c in range(0x0E01, 0x0E5C))
TRICKY = INVISIBLE + " \t\n\r\u00a0\u3000\u2028\u0301\u0316\u0334eAÅ\u212b\u1100\u1161\u11a8\u0b47\u0b3e\u0941"
TEXTS = st.one_of(st.text(alphabet=THAI + TRICKY, max_size=25), st.text(max_size=25))


# --------------------------------------------------------------------------- rules, by example


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ค" + NIKHAHIT + SARA_AA, "คำ"),  # decomposed sara am
        ("น" + NIKHAHIT + MAI_THO + SARA_AA, "น้ำ"),  # tone between nikhahit and sara aa
        ("น" + MAI_THO + NIKHAHIT + SARA_AA, "น้ำ"),  # tone before nikhahit
        ("ท" + MAI_EK + SARA_II, "ที่"),  # tone typed before the vowel
        ("ที่" + MAI_EK, "ที่"),  # duplicated tone
        ("ท" + MAI_EK + SARA_II + SARA_II, "ที่"),  # misordered and duplicated at once
        ("กิ" + "\u0e34", "กิ"),  # duplicated vowel mark
        ("ศักด" + "\u0e4c\u0e34", "ศักดิ์"),  # thanthakhat typed before sara i
        ("ก" + MAI_EK + "\u0e38", "กุ่"),  # tone before a below vowel (NFC's own order)
        ("ทำ", "ทำ"),  # already fine
    ],
)
def test_thai_mark_rules(typed, expected):
    assert normalise(typed) == expected


def test_thai_digits_become_ascii():
    assert normalise("ปีงบประมาณ ๒๕๖๘ ไตรมาส ๑") == "ปีงบประมาณ 2568 ไตรมาส 1"


@pytest.mark.parametrize("invisible", list(INVISIBLE))
def test_invisible_characters_are_removed(invisible):
    assert normalise(f"ยุทธ{invisible}ศาสตร์") == "ยุทธศาสตร์"


def test_removing_an_invisible_character_lets_nfc_compose():
    assert normalise("e\u200b\u0301") == "\u00e9"


def test_whitespace_collapses_and_strips():
    assert normalise("  แผน\u00a0\u00a0แม่บท\t\tระดับ\n\nชาติ \u3000") == "แผน แม่บท ระดับ ชาติ"


def test_keep_lines_keeps_line_and_paragraph_breaks():
    text = "  บรรทัดแรก  \r\nบรรทัดสอง\n\n\n\t ย่อหน้าใหม่ \n"
    assert normalise(text, keep_lines=True) == "บรรทัดแรก\nบรรทัดสอง\n\nย่อหน้าใหม่"


def test_nfc():
    assert normalise("Cafe\u0301") == "Caf\u00e9"


def test_non_thai_duplicate_combining_mark_collapses():
    assert normalise("a\u0316\u0316") == "a\u0316"


def test_rejects_non_strings():
    with pytest.raises(TypeError):
        normalise(b"bytes")


def test_mapped_spans_point_into_the_original():
    text = "วันที่\u200b ๑๗\u00a0\u00a0ก.ค."
    mapped = normalise_mapped(text)
    assert mapped.text == "วันที่ 17 ก.ค."
    start = mapped.text.index("17")
    assert mapped.source_span(start, start + 2) == (text.index("๑"), text.index("๗") + 1)
    assert mapped.source_span(0, len(mapped.text)) == (0, len(text))


def test_mapped_span_covers_a_rewritten_cluster():
    text = "น" + MAI_THO + NIKHAHIT + SARA_AA + "ตาล"
    mapped = normalise_mapped(text)
    assert mapped.text == "น้ำตาล"
    assert mapped.source_span(0, 3) == (0, 4)  # น้ำ came from four typed characters


# --------------------------------------------------------------------------- properties


@settings(max_examples=300)
@given(TEXTS, st.booleans())
def test_idempotent(text, keep_lines):
    once = normalise(text, keep_lines=keep_lines)
    assert normalise(once, keep_lines=keep_lines) == once


@settings(max_examples=300)
@given(TEXTS, st.booleans())
def test_output_is_nfc_without_invisible_characters_or_thai_digits(text, keep_lines):
    out = normalise(text, keep_lines=keep_lines)
    assert unicodedata.is_normalized("NFC", out)
    assert not set(out) & set(INVISIBLE + THAI_DIGITS)
    assert out == out.strip()


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_only_has_whitespace_collapsed(text):
    assert normalise(text) == " ".join(text.split())
    assert normalise_mapped(text).text == normalise(text)


@settings(max_examples=200)
@given(TEXTS, st.booleans())
def test_mapped_agrees_with_normalise(text, keep_lines):
    mapped = normalise_mapped(text, keep_lines=keep_lines)
    assert mapped.text == normalise(text, keep_lines=keep_lines)
    assert len(mapped.starts) == len(mapped.ends) == len(mapped.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(mapped.starts, mapped.ends, strict=True))
    assert list(mapped.starts) == sorted(mapped.starts)


# Text the short cut in `normalise` may take (ASCII and Thai without NIKHAHIT): it must agree with the full rules.
PUNCTUATION = "".join(chr(c) for c in [*range(0x2010, 0x2028), *range(0x2030, 0x205F)])
PLAIN_LOOKING = st.text(alphabet=THAI.replace(NIKHAHIT, "") + THAI_DIGITS + PUNCTUATION + " \t\n\rabc,.", max_size=40)


@settings(max_examples=500)
@given(PLAIN_LOOKING)
def test_the_short_cut_agrees_with_the_full_rules(text):
    assert normalise(text) == normalise_mapped(text).text
