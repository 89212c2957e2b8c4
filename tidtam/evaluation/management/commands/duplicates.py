"""`tidtam duplicates scan [--fiscal-year 2568] [--min-score 0.5]`: fill the reviewers' queue of candidate duplicate
projects (`tidtam.evaluation.duplicates.scan`; docs/duplicates.md). Run it after `tidtam search reindex`, after
imports and nightly."""

from django.core.management.base import BaseCommand, CommandError

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import at_least
from tidtam.evaluation.duplicates import BATCH_SIZE, QUEUE_MIN_SCORE, scan


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        import argparse

        raise argparse.ArgumentTypeError(
            bilingual(f"{text!r} ต้องเป็นตัวเลข 0–1", f"{text!r} must be a number from 0 to 1")
        )
    return value


class Command(BaseCommand):
    help = "หาคู่โครงการที่อาจซ้ำซ้อนระหว่างหน่วยงาน / Find candidate duplicate projects across organisations."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        scan_parser = commands.add_parser(
            "scan",
            help="หาคู่ที่อาจซ้ำซ้อนของทุกโครงการและเก็บไว้ให้ผู้ตรวจ / store the candidate pairs of every project for "
            "the reviewers' queue (replaces the rows of the projects scanned)",
        )
        scan_parser.add_argument(
            "--fiscal-year", type=at_least(2400), default=None, help="only projects active in this fiscal year (BE)"
        )
        scan_parser.add_argument(
            "--min-score",
            type=_score,
            default=QUEUE_MIN_SCORE,
            help=f"keep pairs from this score (default {QUEUE_MIN_SCORE})",
        )
        scan_parser.add_argument("--batch-size", type=at_least(1), default=BATCH_SIZE, help="projects per batch")

    def handle(
        self, *args, subcommand: str, fiscal_year=None, min_score=QUEUE_MIN_SCORE, batch_size=BATCH_SIZE, **options
    ):
        if subcommand != "scan":  # pragma: no cover - argparse allows only scan
            raise CommandError(subcommand)
        summary = scan(fiscal_year=fiscal_year, min_score=min_score, batch_size=batch_size, stdout=self.stderr)
        self.stdout.write(f"{summary}\n")
