"""`tidtam rollups rebuild` recomputes the roll-up tables; `tidtam rollups check` proves the stored ones match."""

import time

from django.core.management.base import BaseCommand, CommandError

from tidtam.evaluation.rollups import rollups_check, rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild or check the roll-up tables (indicator statuses, project facts, node summaries)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        commands.add_parser("rebuild", help="recompute every roll-up table from the base tables")
        commands.add_parser("check", help="compare the stored roll-ups with a rebuild computed in memory")

    def handle(self, *args, subcommand: str, **options):
        started = time.perf_counter()
        if subcommand == "rebuild":
            rollups_rebuild(stdout=self.stdout)
            self.stdout.write(f"{time.perf_counter() - started:.1f} s\n")
            return
        result = rollups_check()
        if result.differences:
            for line in result.differences:
                self.stderr.write(line)
            raise CommandError(
                f"ตารางสรุปไม่ตรงกับการคำนวณใหม่ {len(result.differences)} รายการ (แสดงไม่เกิน 20 ต่อตาราง); "
                "แก้ด้วย `tidtam rollups rebuild` / The stored roll-ups differ from a rebuild; "
                "run `tidtam rollups rebuild`"
            )
        self.stdout.write(
            f"ตารางสรุปตรงกับการคำนวณใหม่ / Roll-ups match a rebuild: {result.facts} project facts, "
            f"{result.statuses} indicator statuses, {result.summaries} node summaries "
            f"({time.perf_counter() - started:.1f} s)\n"
        )
