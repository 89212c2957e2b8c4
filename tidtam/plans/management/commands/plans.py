"""`tidtam plans import FILE [--dry-run]` and `tidtam plans export CODE [--version LABEL] [-o FILE]`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tidtam.accounts.models import User
from tidtam.core.errors import ServiceError
from tidtam.plans.importer import plan_export, plan_import


class Command(BaseCommand):
    help = "นำเข้าหรือส่งออกกรอบแผนในรูปแบบ tidtam-plan/1 (YAML) / Import or export plan frameworks (docs/plan-format.md)"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importing = actions.add_parser("import", help="import a plan file, all or nothing")
        importing.add_argument("file", help="the YAML file ('-' reads standard input)")
        importing.add_argument("--dry-run", action="store_true", help="check and count, then roll back")
        importing.add_argument("--user", help="act as this user (permission-checked); default: the system")
        exporting = actions.add_parser("export", help="write a framework version as a plan file")
        exporting.add_argument("code", help="the framework code, e.g. ns")
        exporting.add_argument("--version", dest="version_label", help="the version label (default: the current one)")
        exporting.add_argument("-o", "--output", help="write to this file instead of standard output")

    def handle(self, *args, action: str, **options):
        if action == "import":
            self.import_plan(options["file"], dry_run=options["dry_run"], username=options["user"])
        else:
            self.export_plan(options["code"], options["version_label"], options["output"])

    def import_plan(self, file: str, *, dry_run: bool, username: str | None) -> None:
        actor = None
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"ไม่พบผู้ใช้ '{username}' / No active user '{username}'", returncode=1)
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"อ่านไฟล์ไม่ได้ / Cannot read {file}: {error}", returncode=1) from error
        try:
            result = plan_import(actor=actor, text=text, dry_run=dry_run)
        except ServiceError as error:
            for problem in error.details.get("errors", []) if isinstance(error.details, dict) else []:
                where = " ".join(part for part in (problem["path"], problem["field"]) if part)
                self.stderr.write(
                    f"line {problem['line']}: {where}: {problem['message']}"
                    if where
                    else f"line {problem['line']}: {problem['message']}"
                )
            raise CommandError(error.message, returncode=1) from error
        self.stdout.write(result.summary())

    def export_plan(self, code: str, version_label: str | None, output: str | None) -> None:
        try:
            text = plan_export(user=None, framework_code=code, version_label=version_label)
        except ServiceError as error:
            raise CommandError(error.message, returncode=1) from error
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"เขียนแล้ว / Written: {output}")
        else:
            self.stdout.write(text, ending="")
