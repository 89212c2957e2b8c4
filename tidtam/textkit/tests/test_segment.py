import socket
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythainlp.tokenize import word_tokenize
from pythainlp.util import dict_trie

from tidtam.core.testing import NodeFactory, OrganisationFactory
from tidtam.textkit import segment
from tidtam.textkit.normalise import normalise
from tidtam.textkit.segment import (
    PLAN_VOCABULARY,
    base_dictionary,
    data_terms,
    index_terms,
    project_dictionary,
    query_terms,
    refresh_dictionary,
    split_phrase,
    sub_words,
    tokenize,
)

# A real department whose name PyThaiNLP's own list does not hold; newmm cuts it as กรม|พัฒนา|ธุร|กิจการค้า.
DBD = "กรมพัฒนาธุรกิจการค้า"


@pytest.fixture(autouse=True)
def _fresh_project_dictionary():
    """The project dictionary is cached per process: no test sees another test's organisations."""
    segment._project.cache_clear()
    yield
    segment._project.cache_clear()


def newmm_default(text: str) -> list[str]:
    return word_tokenize(text, engine="newmm", keep_whitespace=False)


# --- the dictionary -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_organisation_name_splits_by_default_and_stays_whole_with_the_project_dictionary():
    assert newmm_default(DBD) != [DBD]
    assert tokenize(DBD, dictionary=base_dictionary()) != [DBD]

    OrganisationFactory(code="dbd", name_th=DBD)
    refresh_dictionary()

    assert DBD in project_dictionary()
    assert tokenize(f"รายงานของ{DBD} ปี ๒๕๖๗") == ["รายงาน", "ของ", DBD, "ปี", "2567"]


@pytest.mark.django_db
def test_the_dictionary_is_cached_until_refreshed():
    before = project_dictionary()
    OrganisationFactory(code="dbd", name_th=DBD)
    assert project_dictionary() is before
    assert DBD not in project_dictionary()

    after = refresh_dictionary()
    assert after is not before
    assert DBD in after and project_dictionary() is after


@pytest.mark.django_db
def test_node_titles_give_short_titles_whole_and_the_short_phrases_of_long_ones():
    NodeFactory(title_th="ความร่วมมือทางทะเล")
    NodeFactory(title_th="ด้านการปฏิรูปกองทัพ")
    NodeFactory(title_th="ความมั่นคงทางอาหาร และการเสริมสร้างขีดความสามารถของเกษตรกรให้พร้อมรับมือภัยพิบัติรูปแบบใหม่")
    NodeFactory(title_th="เศรษฐกิจ และดิจิทัล")
    NodeFactory(title_th="เกษตร")  # one word: nothing to add

    terms = data_terms()

    assert {"ความร่วมมือทางทะเล", "ด้านการปฏิรูปกองทัพ", "ความมั่นคงทางอาหาร"} <= terms
    assert [term for term in terms if term.startswith("และ")] == []  # a long phrase, or one starting with a stop word
    assert "เกษตร" not in terms and "เศรษฐกิจ" not in terms
    assert tokenize("ความร่วมมือทางทะเลในภูมิภาค") == ["ความร่วมมือทางทะเล", "ใน", "ภูมิภาค"]


@pytest.mark.django_db
def test_thai_country_names_come_from_the_reference_data():
    assert "แอนติกาและบาร์บูดา" in data_terms()
    assert "แอนติกาและบาร์บูดา" in tokenize("ความร่วมมือกับแอนติกาและบาร์บูดา")


@pytest.mark.django_db
def test_organisation_names_are_normalised_and_cut_at_spaces():
    OrganisationFactory(code="x", name_th="กองยุทธศาสตร์\u200bและแผนงาน ๒", abbreviation_th="กยผ.")
    assert {"กองยุทธศาสตร์และแผนงาน", "กยผ"} <= data_terms()
    assert tokenize("หนังสือ กยผ. ที่ ๑") == ["หนังสือ", "กยผ", "ที่", "1"]


def test_plan_vocabulary_is_normalised_unique_and_kept_whole():
    assert 50 <= len(PLAN_VOCABULARY) == len(set(PLAN_VOCABULARY))
    assert all(normalise(term) == term and " " not in term for term in PLAN_VOCABULARY)
    assert newmm_default("ยุทธศาสตร์ชาติ") == ["ยุทธศาสตร์", "ชาติ"]
    assert tokenize("ยุทธศาสตร์ชาติ", dictionary=base_dictionary()) == ["ยุทธศาสตร์ชาติ"]


def test_importing_the_module_does_not_touch_django():
    # Without settings, any model or database access at import time would raise ImproperlyConfigured.
    code = "import tidtam.textkit.segment as s; assert s._project.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True, env={"PATH": "/usr/bin:/bin"})


def test_works_without_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    segment.base_dictionary.cache_clear()
    segment.default_words.cache_clear()
    segment.stop_words.cache_clear()
    assert "ความมั่นคง" in index_terms("ความมั่นคงทางไซเบอร์", dictionary=base_dictionary())


# --- tokenize -------------------------------------------------------------------------------------------------------


def test_thai_digits_and_zero_width_characters_go_through_normalise():
    words = tokenize("ปีงบประมาณ ๒๕๖๗ ความ\u200bมั่นคง\ufeff", dictionary=base_dictionary())
    assert words == ["ปีงบประมาณ", "2567", "ความมั่นคง"]


def test_decomposed_sara_am_matches_the_composed_one():
    assert tokenize("น\u0e4d\u0e49\u0e32ท่วม", dictionary=base_dictionary()) == tokenize(
        "น้ำท่วม", dictionary=base_dictionary()
    )


def test_latin_words_and_numbers_are_kept_whole_and_lower_cased():
    words = tokenize(
        "แผน AI Strategy ของ NESDC (Thailand 4.0) งบ 1,250.50 ล้านบาท COVID-19", dictionary=base_dictionary()
    )
    assert words == [
        "แผน",
        "ai",
        "strategy",
        "ของ",
        "nesdc",
        "thailand",
        "4.0",
        "งบ",
        "1250.50",
        "ล้าน",
        "บาท",
        "covid",
        "19",
    ]


def test_punctuation_whitespace_and_thai_signs_are_dropped():
    words = tokenize("  (ร่าง)\tแผนย่อย: ๑.๒ – ฯลฯ, ต่างๆ … กรุงเทพฯ!\n", dictionary=base_dictionary())
    assert words == ["ร่าง", "แผนย่อย", "1.2", "ต่าง", "กรุงเทพ"]


def test_empty_text():
    assert tokenize("", dictionary=base_dictionary()) == []
    assert tokenize(" \u200b ", dictionary=base_dictionary()) == []


# --- index and query terms ------------------------------------------------------------------------------------------


def test_stop_words_are_dropped_from_index_and_query_terms():
    text = "The plan and เป้าหมาย ของ ประเทศ และ the targets"
    expected = ["plan", "เป้าหมาย", "ประเทศ", "targets"]
    assert query_terms(text, dictionary=base_dictionary()) == expected
    assert index_terms(text, dictionary=base_dictionary()) == expected


def test_query_terms_are_deduplicated_in_order_and_index_terms_keep_repeats():
    text = "ไซเบอร์ AI ไซเบอร์ ai"
    assert query_terms(text, dictionary=base_dictionary()) == ["ไซเบอร์", "ai"]
    assert index_terms(text, dictionary=base_dictionary()) == ["ไซเบอร์", "ai", "ไซเบอร์", "ai"]


def test_a_compound_kept_whole_also_indexes_its_words():
    assert tokenize("ความมั่นคงทางไซเบอร์", dictionary=base_dictionary()) == ["ความมั่นคงทางไซเบอร์"]

    terms = index_terms("ความมั่นคงทางไซเบอร์", dictionary=base_dictionary())

    assert terms == ["ความมั่นคงทางไซเบอร์", "ความมั่นคง", "มั่นคง", "ไซเบอร์"]  # "ทาง" is a stop word
    assert set(query_terms("ความมั่นคง", dictionary=base_dictionary())) <= set(terms)
    assert set(query_terms("ไซเบอร์", dictionary=base_dictionary())) <= set(terms)


def test_plain_dictionary_words_are_not_split():
    # PyThaiNLP also lists ประ, เทศ, ชา, ติ and ไต: splitting ordinary words would make noise, not matches.
    assert sub_words("ประเทศ", base_dictionary()) == []
    terms = index_terms("ประเทศ ชาติ ประชาธิปไตย", dictionary=base_dictionary())
    assert terms == ["ประเทศ", "ชาติ", "ประชาธิปไตย"]


def test_a_dictionary_word_with_a_head_also_indexes_the_word_after_it():
    # PyThaiNLP lists การท่องเที่ยว, ทางทะเล and นักกีฬา whole: "ท่องเที่ยว", "ทะเล" and "กีฬา" must find them
    for word, rest in (("การท่องเที่ยว", "ท่องเที่ยว"), ("ทางทะเล", "ทะเล"), ("นักกีฬา", "กีฬา")):
        assert rest in index_terms(word, dictionary=base_dictionary())
    # the head must be followed by a word: การันตี is not การ + ันตี
    assert sub_words("การันตี", base_dictionary()) == []


def test_split_phrase_cuts_a_word_into_dictionary_words_without_stop_words():
    dictionary = dict_trie({"ค้า", "มนุษย์", "ค้ามนุษย์", "ทาง", "ทะเล"})
    assert split_phrase("ค้ามนุษย์", dictionary=dictionary) == "ค้า มนุษย์"
    assert split_phrase("ทางทะเล", dictionary=dictionary) is None  # ทาง is a stop word: one word is left
    assert split_phrase("มนุษย์", dictionary=dictionary) is None


def test_sub_words_go_down_every_level():
    assert sub_words("แผนแม่บทภายใต้ยุทธศาสตร์ชาติ", base_dictionary()) == [
        "แผนแม่บท",
        "ภายใต้",
        "ยุทธศาสตร์ชาติ",
        "ยุทธศาสตร์",
        "ชาติ",
    ]


@pytest.mark.django_db
def test_organisation_names_are_split_in_the_index_even_when_pythainlp_lists_them_whole():
    OrganisationFactory(code="mfa", name_th="กระทรวงการต่างประเทศ")
    OrganisationFactory(code="dbd", name_th=DBD)
    refresh_dictionary()

    assert newmm_default("กระทรวงการต่างประเทศ") == ["กระทรวงการต่างประเทศ"]
    assert "ต่างประเทศ" in index_terms("หนังสือจากกระทรวงการต่างประเทศ")
    assert {"ธุรกิจ", "การค้า"} <= set(index_terms(f"หนังสือจาก{DBD}"))
    assert query_terms(DBD) == [DBD]


# --- properties -----------------------------------------------------------------------------------------------------

_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B),  # Thai, digits and signs included
    st.sampled_from("abcXYZ019 .,-()'\t\n\u00a0\u200b\u200c\u200d\ufeff"),
)


@settings(max_examples=300, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_tokenize_returns_words_made_of_the_normalised_text(text):
    words = tokenize(text, dictionary=base_dictionary())
    assert all(word and word.strip() == word and not word.isspace() for word in words)
    assert set("".join(words)) <= set(normalise(text).lower())
    parts = {part for word in words for part in sub_words(word, base_dictionary())}
    assert set(index_terms(text, dictionary=base_dictionary())) <= set(words) | parts
