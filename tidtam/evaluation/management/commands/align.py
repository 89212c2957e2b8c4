"""`tidtam align scan` recomputes how well every accepted project fits its primary link (the reviewers' queue at
/review/alignment/, `evaluation.alignment`) and prints how long it took."""

from django.core.management.base import BaseCommand

from tidtam.evaluation.alignment import BATCH_SIZE, alignment_scan


class Command(BaseCommand):
    help = "Alignment assistant: scan accepted projects for primary links their text fits poorly."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        scan = commands.add_parser("scan", help="recompute the fit of every accepted project, in one transaction")
        scan.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows written per batch")

    def handle(self, *args, subcommand: str, batch_size: int = BATCH_SIZE, **options):
        result = alignment_scan(batch_size=max(1, batch_size), stdout=self.stdout)
        self.stdout.write(
            f"ตรวจความสอดคล้องแล้ว / Alignment scanned: {result.projects} projects, {result.misfits} misfits "
            f"({result.unmatched} not matched at all), {result.seconds:.1f} s "
            f"({result.ms_per_project:.2f} ms/project)\n"
        )
