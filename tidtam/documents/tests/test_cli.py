"""`tidtam docs ingest`: what it prints per file, --dry-run, bad input, re-runs."""

import io

import pytest
from django.core.management import CommandError, call_command

from tidtam.documents.models import Document
from tidtam.documents.tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("docs", "ingest", *args, stdout=out)
    return out.getvalue()


def test_ingest_prints_what_it_found_per_file(world):
    out = run(str(FIXTURES / "thai.html"), str(FIXTURES / "thai.pdf"), "--organisation", "mfa-div")
    assert Document.objects.count() == 2
    assert "รายงานการประชุมความร่วมมือด้านความมั่นคงทางไซเบอร์" in out and "แผนปฏิบัติการความมั่นคงทางทะเล" in out
    assert "9 พ.ค. 2565 – 10 พ.ค. 2565" in out and "1 มี.ค. 2562" in out  # BE dates
    assert "mfa" in out and "JP, SG, VN" in out and "mod, mod-div" in out
    assert "suggested node 102" in out
    # a second run skips what is already there and still succeeds
    again = run(str(FIXTURES / "thai.html"), "--organisation", "mfa-div")
    assert "skipped" in again and Document.objects.count() == 2


def test_dry_run_writes_nothing(world):
    out = run(str(FIXTURES / "tis620.txt"), "--organisation", "mfa-div", "--dry-run")
    assert "dry run" in out and "บันทึกการประชุมคณะทำงาน" in out and "17 ก.ค. 2563" in out and "KH, LA" in out
    assert not Document.objects.exists()


def test_as_a_user_their_permissions_apply(world):
    run(str(FIXTURES / "thai.html"), "--organisation", "mfa-div", "--user", world.reporter.username)
    assert Document.objects.get().uploaded_by == world.reporter
    with pytest.raises(CommandError, match="ไม่มีสิทธิ์"):
        run(str(FIXTURES / "thai.pdf"), "--organisation", "mfa-div", "--user", world.other_reporter.username)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organisation", "nowhere"], "nowhere"),
        (["--organisation", "mfa-div", "--user", "ghost"], "ghost"),
    ],
)
def test_bad_options(world, args, message):
    with pytest.raises(CommandError, match=message):
        run(str(FIXTURES / "thai.html"), *args)
    assert not Document.objects.exists()


def test_bad_files_stop_with_the_message(world, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(CommandError, match="broken.pdf"):
        run(str(broken), "--organisation", "mfa-div")
    with pytest.raises(CommandError, match="missing.txt"):
        run(str(tmp_path / "missing.txt"), "--organisation", "mfa-div")
    assert not Document.objects.exists()


def test_the_tidtam_command_exits_non_zero_on_bad_input(world, tmp_path, capsys):
    from tidtam.cli import main

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    import sys

    argv = sys.argv
    sys.argv = ["tidtam", "docs", "ingest", str(bad), "--organisation", "mfa-div"]
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        sys.argv = argv
    assert exited.value.code == 1
    assert "bad.txt" in capsys.readouterr().err
