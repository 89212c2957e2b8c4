"""The Thai catalogue: the committed .mo matches its .po, every page string has a Thai translation, and both
languages reach the pages."""

import ast
import importlib.util
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
# Every page template's text must be translated, in the project catalogue or its app's own `locale/`.
TEMPLATE_DIRS = sorted(ROOT.glob("**/templates"))
_CALL = re.compile(
    r"\b(gettext|ngettext|pgettext)\(((?:\s*,?\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))+)\s*,?\s*\w*\)"
)
_LITERAL = re.compile(r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")")


def _compilemessages():
    spec = importlib.util.spec_from_file_location("compilemessages", ROOT.parent / "scripts" / "compilemessages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def template_msgids() -> set[tuple[str, ...]]:
    """(msgid,) or (msgid, msgid_plural) for every translatable string in the page templates, as makemessages sees
    them (Django's own `templatize` turns `{% translate %}` and `{% blocktranslate %}` into gettext calls)."""
    found = set()
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            for call in _CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
                function, arguments = call.groups()
                literals = [ast.literal_eval(text.lstrip("u")) for text in _LITERAL.findall(arguments)]
                if function == "pgettext":
                    literals = literals[1:]
                found.add(tuple(literals[:2]) if function == "ngettext" else (literals[0],))
    return found


def test_committed_mo_equals_a_fresh_compile_of_the_po():
    compiler = _compilemessages()
    for po_path in compiler.po_files():
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run scripts/compilemessages.py"
        assert mo_path.read_bytes() == compiler.compile_po(po_path), (
            f"{mo_path} is stale: run scripts/compilemessages.py"
        )
    assert compiler.main(["--check"]) == 0


def test_compiler_refuses_mismatched_placeholders(tmp_path):
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="FY %(year)s", msgstr="ปีงบประมาณ %(yaer)s"))
    path = tmp_path / "django.po"
    po.save(str(path))
    with pytest.raises(ValueError, match="placeholders"):
        _compilemessages().compile_po(path)


def test_every_page_string_has_a_thai_translation():
    entries = [
        entry for path in _compilemessages().po_files() if "/th/" in str(path) for entry in polib.pofile(str(path))
    ]
    translated = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgid, entry.msgid_plural) if entry.msgid_plural else (entry.msgid,)
        translated[key] = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
    msgids = template_msgids()
    assert len(msgids) > 50  # the extraction itself works
    missing = sorted(key for key in msgids if not translated.get(key))
    assert not missing, f"add Thai translations (tidtam/locale or the app's locale/th): {missing}"


def test_catalogue_is_loaded_for_thai():
    with translation.override("th"):
        assert translation.gettext("Plan frameworks") == "กรอบแผน"
        assert (
            translation.ngettext("%(counter)s organisation", "%(counter)s organisations", 3) % {"counter": 3}
            == "3 หน่วยงาน"
        )
    with translation.override("en"):
        assert translation.gettext("Plan frameworks") == "Plan frameworks"


@pytest.mark.django_db
def test_home_page_is_thai_by_default():
    html = Client().get("/").content.decode()
    assert '<html lang="th">' in html
    for text in ("หน้าแรก", "กรอบแผน", "หน่วยงาน", "เข้าสู่ระบบ"):
        assert text in html
    assert "Plan frameworks" not in html


@pytest.mark.django_db
def test_home_page_in_english_with_the_language_cookie():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    for text in ("Home", "Plan frameworks", "Organisations", "Sign in"):
        assert f">{text}<" in html
    assert "กรอบแผน" not in html.split("<main", 1)[0]


@pytest.mark.django_db
def test_language_switch_form_changes_the_language_and_returns_to_the_page():
    client = Client()
    html = client.get("/organisations/").content.decode()
    assert 'action="/i18n/setlang/"' in html and 'name="language" value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/organisations/"})
    assert response.status_code == 302 and response["Location"] == "/organisations/"
    html = client.get("/organisations/").content.decode()
    assert '<html lang="en">' in html and ">Organisations<" in html
    assert 'name="language" value="th"' in html  # and the way back


@pytest.mark.django_db
def test_an_english_browser_still_gets_thai_until_the_visitor_switches():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "th"
    assert "กรอบแผน" in response.content.decode()
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="th")["Content-Language"] == "en"
