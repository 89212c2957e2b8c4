"""`tidtam synth --projects N --fiscal-years 2566-2568 --seed S [--replace] [--no-rollups]`: national-scale synthetic
data over the real plan tree (see `tidtam.core.synth`)."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from tidtam.core import thaicalendar
from tidtam.core.errors import ServiceError, bilingual
from tidtam.core.synth import parse_fiscal_years, synth_generate


def _whole_number(minimum: int):
    """An argparse type: a whole number ≥ `minimum` (Thai digits and thousands separators accepted)."""

    def parse(text: str) -> int:
        try:
            number = thaicalendar.parse_number(text)
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value() or number < minimum:
            raise argparse.ArgumentTypeError(
                bilingual(
                    f"{text!r} ต้องเป็นจำนวนเต็มตั้งแต่ {minimum}", f"{text!r} must be a whole number of at least {minimum}"
                )
            )
        return int(number)

    return parse


def _fiscal_years(text: str) -> tuple[int, int]:
    try:
        return parse_fiscal_years(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Command(BaseCommand):
    help = (
        "สร้างข้อมูลสังเคราะห์ระดับประเทศ (หน่วยงาน โครงการ รายงานรายไตรมาส) บนกรอบยุทธศาสตร์ชาติ / "
        "Generate national-scale synthetic data (organisations, projects, quarterly reports) over the National "
        "Strategy tree; deterministic for a seed. Bypasses the services and the audit log: for test and benchmark "
        "databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", required=True, type=_whole_number(1), help="number of projects (e.g. 100000)")
        parser.add_argument(
            "--fiscal-years",
            required=True,
            type=_fiscal_years,
            help="BE fiscal years, first-last (e.g. 2566-2568); projects run 1-3 years inside the range",
        )
        parser.add_argument("--seed", required=True, type=_whole_number(0), help="random seed; codes are SYN<seed>-…")
        parser.add_argument("--replace", action="store_true", help="delete the earlier data of this seed first")
        parser.add_argument("--no-rollups", action="store_true", help="do not rebuild the evaluation roll-ups after")

    def handle(self, *args, projects: int, fiscal_years, seed: int, replace: bool, no_rollups: bool, **options):
        try:
            summary = synth_generate(
                projects=projects,
                fiscal_years=fiscal_years,
                seed=seed,
                replace=replace,
                stdout=self.stdout,
                rollups=not no_rollups,
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        width = max(len(label) for label in summary.counts)
        if summary.deleted:
            self.stdout.write("ลบแล้ว / Deleted:")
            for label, rows in summary.deleted.items():
                self.stdout.write(f"  {label.ljust(width)}  {rows:>12,}")
        self.stdout.write("เขียนแล้ว / Written:")
        for label, rows in summary.counts.items():
            self.stdout.write(f"  {label.ljust(width)}  {rows:>12,}")
        self.stdout.write(f"  {'total'.ljust(width)}  {sum(summary.counts.values()):>12,}")
        self.stdout.write(f"Roll-ups: {summary.rollups}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.projects:,} projects in {summary.seconds:.1f} s = "
                f"{summary.projects_per_minute:,.0f} projects/minute "
                f"(seed {seed}, FY {fiscal_years[0]}-{fiscal_years[1]})"
            )
        )
