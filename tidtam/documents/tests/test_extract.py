"""Reading files: Thai HTML, a Thai PDF, TIS-620 text, bad files; the analysis of what a text mentions."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidtam.core.errors import ValidationFailed
from tidtam.documents.analysis import countries_in, dates_in
from tidtam.documents.extract import clean_name, decode_text, detect_language, extract, redact_contacts
from tidtam.documents.tests.conftest import fixture_bytes


def test_thai_html_title_text_and_dropped_parts():
    found = extract("thai.html", fixture_bytes("thai.html"))
    assert found.source_type == "html" and found.language == "th"
    assert found.title == "รายงานการประชุมความร่วมมือด้านความมั่นคงทางไซเบอร์ (ตัวอย่างสมมุติ)"
    assert "ความมั่นคงทางไซเบอร์ของหน่วยงานรัฐ" in found.text
    # Thai digits normalised; script, style and navigation dropped
    assert "9-10 พฤษภาคม 2565" in found.text
    for dropped in ("tracking", "ไม่ควรปรากฏ", "สคริปต์ท้ายหน้า", "เมนูนำทาง", "font-family"):
        assert dropped not in found.text
    # paragraphs stay on their own lines
    assert "\nกระทรวงการต่างประเทศจัดการประชุม" in found.text


def test_html_title_falls_back_to_the_first_h1():
    page = "<html><body><nav>เมนู</nav><h1>หัวข้อ <b>หลัก</b></h1><p>เนื้อหา</p><h1>อื่น</h1></body></html>"
    found = extract("page.htm", page.encode())
    assert found.title == "หัวข้อ หลัก"
    assert "เมนู" not in found.text


def test_thai_pdf_text_comes_out_in_reading_order():
    found = extract("thai.pdf", fixture_bytes("thai.pdf"))
    assert found.source_type == "pdf" and found.language == "th"
    assert found.title == "แผนปฏิบัติการความมั่นคงทางทะเล (ตัวอย่างสมมุติ)"
    # stacked marks (vowel + tone over one consonant) in logical order, lines in page order
    assert "ความมั่นคงทางทะเล" in found.text
    assert "กระทรวงกลาโหมร่วมกับกองกลาโหมจัดการฝึกซ้อมป้องกันการประมงผิดกฎหมาย" in found.text
    lines = found.text.splitlines()
    assert lines.index("ลงนามเมื่อวันที่ 1 มีนาคม 2562 ณ กรุงเทพมหานคร") < lines.index(
        "ความร่วมมือกับเวียดนามและญี่ปุ่นเรื่องความมั่นคงทางทะเล"
    )


def test_tis620_text_file():
    content = fixture_bytes("tis620.txt")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    found = extract("tis620.txt", content)
    assert found.source_type == "text"
    assert found.title == "บันทึกการประชุมคณะทำงาน (ตัวอย่างสมมุติ)"
    assert "ประชุมเมื่อวันที่ 17 ก.ค. 2563 ที่กระทรวงการต่างประเทศ" in found.text


def test_utf8_with_bom_and_english_language():
    found = extract("note.txt", "\ufeffMeeting notes\nJapan and Thailand agreed.".encode())
    assert found.title == "Meeting notes" and found.language == "en"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.txt", b"", "file_empty"),
        ("fake.pdf", b"not a pdf at all", "content_mismatch"),
        ("broken.pdf", b"%PDF-1.7\n garbage without objects", "unreadable_pdf"),
        ("image.png", b"\x89PNG\r\n\x1a\n....", "unsupported_type"),
        ("binary.txt", b"\x00\x01\x02 binary", "unreadable_text"),
        ("blank.txt", b"   \n\t  \n", "no_text"),
        ("zip.txt", b"PK\x03\x04 zipped", "unreadable_text"),
    ],
)
def test_bad_files_raise_a_bilingual_error_naming_the_file(name, content, code):
    with pytest.raises(ValidationFailed) as caught:
        extract(name, content)
    assert caught.value.code == code
    assert name in caught.value.message and "ไฟล์" in caught.value.message and "File" in caught.value.message
    assert caught.value.details["file_name"] == name


def test_size_limit(settings):
    settings.DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as caught:
        extract("long.txt", "ข้อความยาวเกินกำหนด".encode())
    assert caught.value.code == "file_too_large"


def test_file_names_lose_paths_and_control_characters():
    assert clean_name("../../etc/pass\x00wd.txt") == "passwd.txt"
    assert clean_name("C:\\docs\\รายงาน.pdf") == "รายงาน.pdf"


def test_contact_data_is_hidden():
    text = "ติดต่อ somchai@example.go.th โทร 02-123-4567 หรือ 081 234 5678, +66 2 123 4567 งบ 2568 จำนวน 1,500,000 บาท"
    hidden = redact_contacts(text)
    for contact in ("somchai@", "02-123-4567", "081 234 5678", "+66 2 123 4567"):
        assert contact not in hidden
    assert "2568" in hidden and "1,500,000" in hidden


def test_dates_and_countries_in_text():
    dates = dates_in("ประชุม 17 ก.ค. 2563 และ 17 ก.ค. 2563 อีกครั้ง ปีงบประมาณ 2568")
    assert [(d["kind"], d["start"], d["end"]) for d in dates] == [
        ("day", "2020-07-17", "2020-07-17"),
        ("fiscal_year", "2024-10-01", "2025-09-30"),
    ]
    assert countries_in("ความร่วมมือระหว่างประเทศไทยกับสาธารณรัฐเกาหลีและ Japan") == ["JP", "KR", "TH"]
    # "กินี" inside "ปาปัวนิวกินี" is not Guinea; "มาลี" alone is a name, "ประเทศมาลี" the country
    assert countries_in("ปาปัวนิวกินี") == ["PG"]
    assert countries_in("ปาปัวนิวกินี และปาปัวนิวกินี") == ["PG"]  # every occurrence, not only the first
    assert countries_in("ปาปัวนิวกินี และกินี") == ["GN", "PG"]
    assert countries_in("คุณมาลีเดินทาง") == []
    assert countries_in("ประเทศมาลี") == ["ML"]


def test_language_detection():
    assert detect_language("ภาษาไทยล้วน") == "th"
    assert detect_language("English only") == "en"
    assert detect_language("1234 !!") == ""


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["a.txt", "a.html", "a.pdf", "a", "a.htm"]))
def test_any_bytes_either_extract_or_fail_cleanly(content, name):
    try:
        found = extract(name, content)
    except ValidationFailed as error:
        assert name in error.message
    else:
        assert found.text.strip() and found.title


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B) | st.sampled_from(" \n"), min_size=1))
def test_thai_text_survives_tis620_round_trip(text):
    try:
        encoded = text.encode("tis-620")
    except UnicodeEncodeError:
        return
    assert decode_text(encoded) == text


def test_short_tis620_that_is_also_valid_utf8_reads_as_thai_and_latin_stays_latin():
    assert decode_text("ยก".encode("tis-620")) == "ยก"
    assert decode_text("café au lait".encode()) == "café au lait"
