"""`tidtam rules explain --direction higher --target 80 --actual 72`: the level, ratio and why as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from tidtam.core.thaicalendar import parse_number
from tidtam.evaluation.rules import evaluate


def _number(text: str | None):
    if text is None:
        return None
    try:
        return parse_number(text)
    except ValueError as error:
        raise CommandError(str(error)) from error


class Command(BaseCommand):
    help = "Explain the status rule for one indicator value (for administrators checking a rule)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        explain = commands.add_parser("explain", help="the level, ratio and why of one target and actual")
        explain.add_argument("--direction", choices=["higher", "lower", "range"], default="higher")
        explain.add_argument("--target", help="the target (the lower bound for a range); Thai digits accepted")
        explain.add_argument("--target-max", help="the upper bound of a target range")
        explain.add_argument("--actual", help="the actual value; leave out for 'no data'")
        explain.add_argument("--baseline", help="shown for reference; rule default/1 does not use it")

    def handle(self, *args, **options):
        status = evaluate(
            direction=options["direction"],
            target=_number(options["target"]),
            actual=_number(options["actual"]),
            target_max=_number(options["target_max"]),
        )
        result = status.as_dict()
        if options["baseline"] is not None:
            result["baseline"] = float(_number(options["baseline"]))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
