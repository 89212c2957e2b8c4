"""`tidtam demo`: load the demo data (idempotent) and print the demo accounts."""

import os

from django.core.management.base import BaseCommand, CommandError

from tidtam.accounts.models import Membership
from tidtam.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_load
from tidtam.core.errors import ServiceError
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Framework


class Command(BaseCommand):
    help = (
        "โหลดข้อมูลสาธิต (หน่วยงาน บัญชีผู้ใช้ และกรอบแผน 3 กรอบ) และแสดงบัญชีสาธิต / "
        "Load the demo data (organisations, accounts, three plan frameworks) and list the demo accounts. "
        "Safe to run again: nothing that exists is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any plan framework or organisation already exists"
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if if_empty and (Framework.objects.exists() or Organisation.objects.exists()):
            self.stdout.write(
                "ฐานข้อมูลมีข้อมูลอยู่แล้ว ไม่โหลดข้อมูลสาธิต / The database already holds data; demo data not loaded."
            )
        else:
            try:
                summary = demo_load()
            except ServiceError as error:  # e.g. an edited demo file that no longer imports: say where, not a traceback
                errors = error.details.get("errors", []) if isinstance(error.details, dict) else []
                lines = [f"line {e['line']} {e['path']}: {e['message']}" for e in errors]
                raise CommandError("\n".join([f"{error.code}: {error.message}", *lines])) from error
            self.stdout.write(self.style.SUCCESS(f"Demo data: {summary}"))
        self._print_accounts()

    def _print_accounts(self) -> None:
        """The demo accounts present in the database, with their role, organisation and the shared password."""
        present = {
            (m.user.username, m.role, m.organisation.code)
            for m in Membership.objects.filter(user__username__in=[a.username for a in DEMO_ACCOUNTS]).select_related(
                "user", "organisation"
            )
        }
        rows = [a for a in DEMO_ACCOUNTS if (a.username, a.role, a.organisation) in present]
        if not rows:
            return
        header = ("username", "role", "organisation", "password")
        table = [header] + [(a.username, str(a.role), a.organisation, DEMO_PASSWORD) for a in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        self.stdout.write("\nบัญชีสาธิต / Demo accounts:")
        for row in table:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        self.stdout.write(f"\nเปิด / Open http://{host}:{port}/  (API docs: http://{host}:{port}/api/v1/docs)")
