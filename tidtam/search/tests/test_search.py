"""Search: Thai terms inside compounds, ranking, snippets, visibility, the index kept current, the command, the API
and the page."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client

from tidtam.core.testing import client_for
from tidtam.organisations.services import organisation_create
from tidtam.projects.services import project_create, project_update
from tidtam.search import backends
from tidtam.search.choices import EntryKind
from tidtam.search.models import SearchEntry
from tidtam.search.selectors import search, search_terms
from tidtam.search.snippets import highlight, snippet
from tidtam.workflow.choices import WorkflowAction
from tidtam.workflow.choices import WorkflowStatus as S
from tidtam.workflow.services import workflow_transition

API = "/api/v1"
ANONYMOUS = AnonymousUser()

pytestmark = pytest.mark.django_db


def found(user, q, **filters) -> list[tuple[str, str]]:
    return [(hit.entry.kind, hit.entry.code) for hit in search(user=user, q=q, **filters)]


def codes(user, q, kind=None, **filters) -> set[str]:
    return {code for k, code in found(user, q, **filters) if kind is None or k == kind}


# --------------------------------------------------------------------------------------------------- matching


def test_a_thai_word_finds_the_compounds_it_is_part_of(world):
    # "ความมั่นคง" is inside "ความมั่นคงทางไซเบอร์" and "ความมั่นคงทางทะเล", never written alone in those titles
    assert {"101", "102", "1"} <= codes(ANONYMOUS, "ความมั่นคง", kind="node")
    assert codes(ANONYMOUS, "ไซเบอร์", kind="node") == {"101"}
    assert codes(ANONYMOUS, "ทางทะเล", kind="node") == {"102"}
    # every term is required
    assert codes(ANONYMOUS, "ความมั่นคง ไซเบอร์", kind="node") == {"101"}


def test_text_and_indicator_names_are_searched_and_english_too(world):
    assert codes(ANONYMOUS, "โครงสร้างพื้นฐาน") == {"101"}  # the description
    assert codes(ANONYMOUS, "ประมง") == {"102"}  # an indicator's name
    assert codes(ANONYMOUS, "Cyber") == {"101"}  # English, case-insensitive


def test_a_query_of_stop_words_or_punctuation_finds_nothing(world):
    assert search(user=ANONYMOUS, q="!!! ...") == []


def test_ranking_puts_title_matches_first(world):
    # "ภัยคุกคาม" is in the cyber node's description and in every project's objectives, never in a title
    hits = search(user=world.reviewer, q="ไซเบอร์")
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    in_title = [hit for hit in hits if "ไซเบอร์" in hit.entry.title_th]
    elsewhere = [hit for hit in hits if "ไซเบอร์" not in hit.entry.title_th]
    assert in_title and elsewhere is not None
    assert min(h.score for h in in_title) >= max((h.score for h in elsewhere), default=0)
    # a node named exactly by the query outranks the projects that merely mention it in their text
    top = search(user=ANONYMOUS, q="ความมั่นคงทางทะเล")
    assert top[0].entry.code == "102"


def test_limit_and_filters(world):
    assert len(search(user=world.reviewer, q="ความมั่นคง", limit=2)) == 2
    assert codes(world.reviewer, "ไซเบอร์", kind="node") == {"101"}
    projects = {c for k, c in found(world.reviewer, "ไซเบอร์") if k == EntryKind.PROJECT}
    assert codes(world.reviewer, "ไซเบอร์", framework="ns") == projects | {"101"}
    assert codes(world.reviewer, "ไซเบอร์", framework="elsewhere") == set()
    assert codes(world.reviewer, "ไซเบอร์", organisation="mod") == {"search-other_draft", "search-other_accepted"}
    assert codes(world.reviewer, "ไซเบอร์", fiscal_year=2568) == projects
    assert codes(world.reviewer, "ไซเบอร์", fiscal_year=2570) == set()


# --------------------------------------------------------------------------------------------------- snippets


def test_snippets_mark_the_matches_and_escape_the_text(world):
    hits = search(user=ANONYMOUS, q="ภัยคุกคาม", kind="project")
    assert hits
    for hit in hits:
        assert "<mark>ภัยคุกคาม</mark>" in hit.snippet
        assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    title = search(user=ANONYMOUS, q="ความมั่นคง", kind="node")[0].title_html
    assert "<mark>ความมั่นคง</mark>" in title


def test_snippet_window_and_highlight_edges():
    text = "ก" * 300 + " ความมั่นคงทางไซเบอร์ " + "ข" * 300
    cut = snippet(text, ["ความมั่นคง"], length=80)
    assert cut.startswith("…") and cut.endswith("…") and "<mark>ความมั่นคง</mark>ทางไซเบอร์" in cut
    assert len(cut) < 140
    assert snippet("", ["x"]) == ""
    assert snippet("no match here", ["zzz"]) == "no match here"
    assert highlight("A & B <b>", ["b"]) == "A &amp; <mark>B</mark> &lt;<mark>b</mark>&gt;"


# --------------------------------------------------------------------------------------------------- visibility


def test_visibility_follows_project_list(world):
    from tidtam.projects.selectors import project_list

    q = "ไซเบอร์"
    assert codes(ANONYMOUS, q, kind=EntryKind.PROJECT) == {"search-accepted", "search-other_accepted"}
    # the owner's reporter (mfa, above the owning division) also finds mfa's drafts and approved projects
    assert codes(world.reporter, q, kind=EntryKind.PROJECT) == {
        "search-accepted",
        "search-draft",
        "search-approved",
        "search-other_accepted",
    }
    # another ministry's reporter finds their own drafts, never mfa's
    assert codes(world.other_reporter, q, kind=EntryKind.PROJECT) == {
        "search-accepted",
        "search-other_draft",
        "search-other_accepted",
    }
    for user in (ANONYMOUS, world.reporter, world.other_reporter, world.reviewer):
        visible = set(project_list(user=user).filter(code__startswith="search-").values_list("code", flat=True))
        assert codes(user, q, kind=EntryKind.PROJECT) == visible
    # nodes and organisations are public
    assert codes(ANONYMOUS, q, kind=EntryKind.NODE) == {"101"}


def test_api_visibility_anonymous_and_signed_in(world):
    def api_codes(client):
        response = client.get(f"{API}/search", {"q": "ไซเบอร์", "kind": "project", "limit": 100})
        assert response.status_code == 200, response.content
        return {row["code"] for row in response.json()["results"]}

    assert api_codes(Client()) == {"search-accepted", "search-other_accepted"}
    assert "search-draft" in api_codes(client_for(world.reporter))
    assert "search-draft" not in api_codes(client_for(world.other_reporter))


# --------------------------------------------------------------------------------------------------- kept current


def test_the_index_follows_project_services_and_the_workflow(world, django_capture_on_commit_callbacks):
    reporter, org = world.reporter, world.org
    with django_capture_on_commit_callbacks(execute=True):
        project = project_create(
            actor=reporter,
            owner=org["division"],
            name_th="โครงการพัฒนาระบบเฝ้าระวังภัยไซเบอร์",
            fiscal_year_start=2568,
            objectives="ศูนย์ปฏิบัติการความมั่นคงปลอดภัยไซเบอร์",
            primary_node=world.cyber.pk,
        )
    assert project.code in codes(reporter, "เฝ้าระวัง")
    assert project.code not in codes(ANONYMOUS, "เฝ้าระวัง")  # a draft
    assert project.code not in codes(world.other_reporter, "เฝ้าระวัง")

    with django_capture_on_commit_callbacks(execute=True):
        project_update(actor=reporter, project=project, version=project.version, name_th="โครงการห้องปฏิบัติการดิจิทัล")
    assert project.code not in codes(reporter, "เฝ้าระวัง")
    assert project.code in codes(reporter, "ห้องปฏิบัติการ")

    project.refresh_from_db()
    project.status = S.APPROVED  # the approval chain is the workflow tests' business; acceptance is ours
    project.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow_transition(actor=world.reviewer, item=project, action=WorkflowAction.ACCEPT, version=project.version)
    assert project.code in codes(ANONYMOUS, "ห้องปฏิบัติการ")
    entry = SearchEntry.objects.get(kind=EntryKind.PROJECT, object_id=project.pk)
    assert entry.status == S.ACCEPTED and entry.frameworks == " ns "


def test_a_rolled_back_write_leaves_the_index_alone(world, django_capture_on_commit_callbacks):
    before = SearchEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            project_create(actor=world.other_reporter, owner=world.org["division"], name_th="x", fiscal_year_start=2568)
    assert callbacks == []
    assert SearchEntry.objects.count() == before


def test_new_organisations_are_found(world, django_capture_on_commit_callbacks):
    from tidtam.accounts.choices import Role
    from tidtam.core.testing import member

    admin = member(Role.ADMIN, world.org["nesdc"])
    with django_capture_on_commit_callbacks(execute=True):
        organisation_create(actor=admin, code="dsa", name_th="กรมสอบสวนไซเบอร์", kind="department")
    assert ("organisation", "dsa") in found(ANONYMOUS, "สอบสวน")


# --------------------------------------------------------------------------------------------------- the command


def test_reindex_command_rebuilds_everything(world):
    from tidtam.organisations.models import Organisation
    from tidtam.plans.models import Node
    from tidtam.projects.models import Project

    SearchEntry.objects.all().delete()
    assert search(user=ANONYMOUS, q="ไซเบอร์") == []
    out = io.StringIO()
    call_command("search", "reindex", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "Search index rebuilt" in text and " s)" in text
    expected = Project.objects.count() + Node.objects.count() + Organisation.objects.filter(is_active=True).count()
    assert SearchEntry.objects.count() == expected
    assert codes(ANONYMOUS, "ไซเบอร์", kind="node") == {"101"}


# --------------------------------------------------------------------------------------------------- the API


def test_api_answers_results(world):
    body = Client().get(f"{API}/search", {"q": "ความมั่นคงทางทะเล"}).json()
    assert body["q"] == "ความมั่นคงทางทะเล"
    first = body["results"][0]
    assert first["kind"] == "node" and first["code"] == "102" and first["id"] == world.sea.pk
    assert first["url"] == f"/nodes/{world.sea.pk}/"
    assert first["frameworks"] == ["ns"]
    assert set(first) == {"kind", "id", "code", "title", "title_en", "frameworks", "snippet", "score", "url"}
    organisation = Client().get(f"{API}/search", {"q": "กระทรวงกลาโหม", "kind": "organisation"}).json()["results"]
    assert {row["url"] for row in organisation} >= {"/organisations/mod/"}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({}, "q"),
        ({"q": "ก" * 201}, "q"),
        ({"q": "x", "kind": "report"}, "kind"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "fiscal_year": "abc"}, "fiscal_year"),
    ],
)
def test_api_refuses_bad_parameters(world, params, field):
    response = Client().get(f"{API}/search", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["details"], body


def test_api_unknown_organisation_is_404(world):
    response = Client().get(f"{API}/search", {"q": "x", "organisation": "nope"})
    assert response.status_code == 404
    assert response.json()["code"] == "organisation_not_found"


def test_thai_digits_in_numbers(world):
    response = Client().get(f"{API}/search", {"q": "ไซเบอร์", "fiscal_year": "๒๕๖๘", "limit": "๒"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_query_count_is_bounded(world, django_assert_max_num_queries):
    search_terms("ความมั่นคง")  # the segmentation dictionary is built once per process, from the data
    # match and rank, check the candidates (SQLite) or add the text-only matches (PostgreSQL), read the entries
    with django_assert_max_num_queries(3):
        search(user=ANONYMOUS, q="ความมั่นคง", limit=100)
    user = world.reporter
    with django_assert_max_num_queries(5):  # + the user's memberships (once) and the organisation filter
        search(user=user, q="ความมั่นคง", organisation="mfa", limit=100)
    with django_assert_max_num_queries(3):
        Client().get(f"{API}/search", {"q": "ความมั่นคง", "limit": 100})


# --------------------------------------------------------------------------------------------------- the page


def test_the_page_renders_for_anonymous_users(world):
    page = Client().get("/search/", {"q": "ความมั่นคง"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<mark>ความมั่นคง</mark>" in html
    assert f'href="/nodes/{world.cyber.pk}/"' in html
    assert "search-draft" not in html
    assert Client().get("/search/").status_code == 200


def test_the_page_is_thai_first_and_has_a_header_box(world):
    html = Client().get("/search/", {"q": "ไม่มีคำนี้ในระบบเลยแน่นอน"}).content.decode()
    assert "ค้นหา" in html and "ไม่พบรายการที่ตรงกัน" in html
    assert 'action="/search/"' in Client().get("/").content.decode()


def test_node_changes_are_indexed(world, django_capture_on_commit_callbacks):
    from tidtam.plans.services import node_update

    with django_capture_on_commit_callbacks(execute=True):
        node_update(actor=world.reviewer, node=world.sea, version=world.sea.version, title_th="การประมงอย่างยั่งยืน")
    assert codes(ANONYMOUS, "ประมง", kind="node") == {"102"}
    assert "102" not in codes(ANONYMOUS, "ทางทะเล", kind="node")


def test_the_index_is_updated_before_the_data_version_moves(world, django_capture_on_commit_callbacks):
    """Anonymous API answers are cached per data version: the index must be current when the version moves."""
    from tidtam.core.datachange import data_changed
    from tidtam.search.indexing import PendingReindex

    project = world.projects["draft"]
    with django_capture_on_commit_callbacks() as callbacks:
        project_update(actor=world.reporter, project=project, version=project.version, name_th="ชื่อใหม่ของโครงการ")
    order = [type(cb) if isinstance(cb, PendingReindex) else cb for cb in callbacks]
    assert order.index(PendingReindex) < order.index(data_changed)


# ----------------------------------------------------------------------------------------- how the index is queried


def test_a_word_the_index_holds_cut_is_found_whole(world, django_capture_on_commit_callbacks):
    # PyThaiNLP cuts "การค้ามนุษย์" as การค้า|มนุษย์; the query keeps "ค้ามนุษย์" whole and also asks for the phrase
    project = world.projects["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        project_update(
            actor=world.reporter, project=project, version=project.version, objectives="ต่อต้านการค้ามนุษย์ข้ามพรมแดน"
        )
    assert codes(world.reporter, "ค้ามนุษย์") == {"search-draft"}
    assert codes(ANONYMOUS, "ท่องเที่ยว") == set()  # nothing else is found


def test_a_group_matches_any_of_its_alternatives_and_a_phrase_needs_its_words_in_order(world):
    entries = SearchEntry.objects.all()
    draft = SearchEntry.objects.get(code="search-draft")
    SearchEntry.objects.filter(pk=draft.pk).update(terms="ต่อต้าน การค้า ค้า มนุษย์ ข้ามพรมแดน")
    assert [pk for pk, _ in backends.ranked([("ค้ามนุษย์", "ค้า มนุษย์")], entries, 10)] == [draft.pk]
    assert backends.ranked([("ค้ามนุษย์", "มนุษย์ ค้า")], entries, 10) == []
    assert [pk for pk, _ in backends.ranked(["ต่อต้าน", "ทะเล"], entries, 10, match_all=False)][:1] != []
    assert backends.ranked(["ต่อต้าน", "ทะเล"], entries, 10) == []


@pytest.mark.parametrize("narrow", [0, 3000])
def test_a_narrow_filter_over_many_matches_still_finds_every_candidate(world, monkeypatch, narrow):
    # Every project and two nodes hold "ความมั่นคง". On SQLite, with `narrow` 0 the first window holds one match and
    # must widen, then check every match; with 3000 each candidate is checked by FTS5. PostgreSQL must add the
    # text-only matches to the title matches.
    monkeypatch.setattr(backends, "NARROW", narrow)
    monkeypatch.setattr(backends, "WINDOW_FACTOR", 1)
    monkeypatch.setattr(backends, "MAX_WINDOW", 2)
    assert {code for _, code in found(world.reviewer, "ความมั่นคง", kind="node", limit=3)} == {"1", "101", "102"}
    assert {code for _, code in found(ANONYMOUS, "ภัยคุกคาม", kind="project")} == {
        "search-accepted",
        "search-other_accepted",
    }
    monkeypatch.setattr(backends, "MAX_WINDOW", 100)  # a window wide enough for every match at once
    assert len(found(ANONYMOUS, "ความมั่นคง", kind="node", limit=2)) == 2


def test_title_matches_come_before_text_only_matches(world):
    # "ภัยคุกคาม" is in the titles of no entry; "ทะเล" in one title: that node first, whatever the texts hold
    hits = search(user=world.reviewer, q="ความมั่นคง", kind="node")
    assert [hit.entry.code for hit in hits][:1] in (["102"], ["1"], ["101"])
    assert all(hit.score > 0 for hit in hits)
    ranked = [hit.score for hit in hits]
    assert ranked == sorted(ranked, reverse=True)


@pytest.mark.parametrize("q", ["ความ'มั่นคง", "a\\'b", 'ไซเบอร์"', "x & y | !z", "(ไซเบอร์)", "ไซเบอร์:*"])
def test_query_syntax_characters_are_only_words(world, q):
    search(user=ANONYMOUS, q=q)  # no database error: every term is quoted for FTS5 and to_tsquery
