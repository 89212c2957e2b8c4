"""`tidtam docs ingest PATH... --organisation CODE [--user USERNAME] [--dry-run]`: read files into documents and
print what was found in each. A bad file stops the command with its message (exit status 1); files already ingested
for the organisation are reported and skipped."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tidtam.core.errors import Conflict, ServiceError
from tidtam.core.thaicalendar import format_thai_date
from tidtam.documents.extract import max_bytes
from tidtam.documents.services import document_ingest, document_preview
from tidtam.organisations.models import Organisation


class Command(BaseCommand):
    help = "Ingest documents (text, HTML, PDF): extract the title, dates, organisations and countries; suggest links."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        ingest = commands.add_parser("ingest", help="read files into documents pending review")
        ingest.add_argument("paths", nargs="+", metavar="PATH", help="files to ingest (.txt, .html, .htm, .pdf)")
        ingest.add_argument("--organisation", required=True, help="code of the owner organisation")
        ingest.add_argument("--user", help="ingest as this user (their permissions apply); default: system")
        ingest.add_argument("--dry-run", action="store_true", help="show what would be stored; write nothing")

    def handle(self, *args, subcommand: str, paths, organisation: str, user=None, dry_run=False, **options):
        owner = Organisation.objects.filter(code=organisation).first()
        if owner is None:
            raise CommandError(f"ไม่พบหน่วยงาน '{organisation}' / No organisation '{organisation}'")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"ไม่พบผู้ใช้ '{user}' / No active user '{user}'")
        files = []
        for raw in paths:
            path = Path(raw)
            if not path.is_file():
                raise CommandError(f"ไม่พบไฟล์ {raw} / No file {raw}")
            if path.stat().st_size > max_bytes():
                raise CommandError(f"ไฟล์ {path.name}: ใหญ่เกิน {max_bytes():,} ไบต์ / File {path.name}: too large")
            files.append(path)
        for path in files:
            content = path.read_bytes()
            try:
                if dry_run:
                    preview = document_preview(actor=actor, organisation=owner, file_name=path.name, content=content)
                    self._print_preview(path, preview)
                else:
                    document = document_ingest(actor=actor, organisation=owner, file_name=path.name, content=content)
                    self._print_document(path, document)
            except Conflict as error:
                if error.code != "document_exists":
                    raise CommandError(error.message) from error
                self.stdout.write(f"{path}: ข้าม / skipped — {error.message}\n")
            except ServiceError as error:
                raise CommandError(error.message) from error

    def _dates(self, dates: list[dict]) -> str:
        from datetime import date

        shown = []
        for row in dates:
            if row.get("start"):
                start = format_thai_date(date.fromisoformat(row["start"]), abbr=True)
                end = row.get("end")
                if end and end != row["start"]:
                    start += " – " + format_thai_date(date.fromisoformat(end), abbr=True)
                shown.append(start)
        return ", ".join(shown) or "—"

    def _lines(self, *, title, source_type, language, chars, dates, organisations, countries, links) -> list[str]:
        return [
            f"  ชื่อเรื่อง / title: {title}",
            f"  ชนิด / type: {source_type}, ภาษา / language: {language or '—'}, {chars:,} ตัวอักษร / characters",
            f"  วันที่ / dates: {self._dates(dates)}",
            f"  หน่วยงาน / organisations: {', '.join(organisations) or '—'}",
            f"  ประเทศ / countries: {', '.join(countries) or '—'}",
            *(
                f"  เสนอเชื่อมโยง / suggested {target} {code} ({score:.3f}): {', '.join(reasons)}"
                for target, code, score, reasons in links
            ),
        ]

    def _print_preview(self, path: Path, preview) -> None:
        extracted, analysis = preview.extracted, preview.analysis
        header = f"{path}: ทดลอง ไม่บันทึก / dry run, nothing written"
        if preview.duplicate_of is not None:
            header += f" (นำเข้าแล้วเป็นเอกสาร / already ingested as document {preview.duplicate_of.pk})"
        lines = self._lines(
            title=extracted.title,
            source_type=extracted.source_type,
            language=extracted.language,
            chars=len(extracted.text),
            dates=analysis.dates,
            organisations=[o.code for o in analysis.organisations],
            countries=analysis.countries,
            links=[(s.target, s.obj.code, s.score, s.reasons) for s in analysis.links],
        )
        self.stdout.write("\n".join([header, *lines]) + "\n")

    def _print_document(self, path: Path, document) -> None:
        links = document.links.select_related("project", "node").order_by("-score", "pk")
        lines = self._lines(
            title=document.title,
            source_type=document.source_type,
            language=document.language,
            chars=len(document.text),
            dates=document.dates,
            organisations=[o.code for o in document.organisations.order_by("path")],
            countries=sorted(c.alpha2 for c in document.countries.all()),
            links=[(link.target, (link.project or link.node).code, link.score, link.reasons) for link in links],
        )
        self.stdout.write("\n".join([f"{path}: นำเข้าเป็นเอกสาร / ingested as document {document.pk}", *lines]) + "\n")
