"""`tidtam search reindex` rebuilds the whole search index, in batches, and prints how long it took."""

import time

from django.core.management.base import BaseCommand

from tidtam.search.indexing import BATCH_SIZE, rebuild, tidy


class Command(BaseCommand):
    help = "Rebuild the search index (projects, plan nodes, organisations)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        reindex = commands.add_parser("reindex", help="rebuild every search entry from the data, in one transaction")
        reindex.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="objects per batch")

    def handle(self, *args, subcommand: str, batch_size: int = BATCH_SIZE, **options):
        started = time.perf_counter()
        counts = rebuild(batch_size=max(1, batch_size), stdout=self.stdout)
        tidy()
        total = sum(counts.values())
        self.stdout.write(
            f"สร้างดัชนีค้นหาใหม่แล้ว / Search index rebuilt: {total} entries ({time.perf_counter() - started:.1f} s)\n"
        )
