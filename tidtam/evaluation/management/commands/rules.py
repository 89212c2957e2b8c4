"""Status rules for administrators.

tidtam rules explain --direction higher --target 80 --actual 72 [--rule strict/1]   level, ratio and why as JSON
tidtam rules list                                                                   every version and who uses it
tidtam rules create --name strict --green 1.0 --yellow 0.8 --orange 0.5 [--note …] [--user U]
tidtam rules assign --framework ns --rule strict/1 [--user U]                       or --indicator ID; --rule default
"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tidtam.core.errors import ServiceError
from tidtam.core.thaicalendar import parse_number
from tidtam.evaluation.models import StatusRule
from tidtam.evaluation.rules import DEFAULT_BANDS, RULE_VERSION, Bands, StatusLevel, evaluate
from tidtam.evaluation.services import status_rule_assign, status_rule_create
from tidtam.plans.models import Framework, Indicator

# `--rule default` (or `inherit`): no rule of its own — an indicator then follows its framework, a framework the
# published default rule.
INHERIT = {"default", "inherit"}


def _number(text: str | None):
    if text is None:
        return None
    try:
        return parse_number(text)
    except ValueError as error:
        raise CommandError(str(error)) from error


def rule_by_code(code: str) -> StatusRule:
    """`strict/2` → that stored version; CommandError naming the code otherwise."""
    name, _, version = code.partition("/")
    rule = None
    if name and version.isdigit():
        rule = StatusRule.objects.filter(name=name, version=int(version)).first()
    if rule is None:
        known = ", ".join(r.code for r in StatusRule.objects.all()) or "-"
        raise CommandError(f"ไม่พบกฎ '{code}' (มี: {known}) / No status rule '{code}' (stored: {known})")
    return rule


def bands_text(bands: Bands) -> str:
    """`green ≥100%; yellow ≥75%, <100%; orange ≥50%, <75%; red <50%`."""
    return "; ".join(
        f"{level.value} {bands.text(level)}"
        for level in (StatusLevel.GREEN, StatusLevel.YELLOW, StatusLevel.ORANGE, StatusLevel.RED)
    )


def _error(error: ServiceError) -> CommandError:
    items = error.details.items() if isinstance(error.details, dict) else []
    details = "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in items)
    return CommandError(f"{error.message}" + (f" ({details})" if details else ""))


class Command(BaseCommand):
    help = "Status rules: explain one value, list the stored versions, create a version, assign one to a plan."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        explain = commands.add_parser("explain", help="the level, ratio and why of one target and actual")
        explain.add_argument("--direction", choices=["higher", "lower", "range"], default="higher")
        explain.add_argument("--target", help="the target (the lower bound for a range); Thai digits accepted")
        explain.add_argument("--target-max", help="the upper bound of a target range")
        explain.add_argument("--actual", help="the actual value; leave out for 'no data'")
        explain.add_argument("--baseline", help="shown for reference; rule default/1 does not use it")
        explain.add_argument("--rule", help=f"a stored rule version, e.g. strict/1 (default: {RULE_VERSION})")

        commands.add_parser("list", help="every stored rule version, its bands and the plans that use it")

        create = commands.add_parser("create", help="store the next version of a rule (versions never change)")
        create.add_argument("--name", required=True, help="rule name: lower-case letters, digits, - or _")
        create.add_argument("--green", required=True, help="lowest achievement ratio that is green, e.g. 1.0")
        create.add_argument("--yellow", required=True, help="lowest ratio that is yellow, e.g. 0.75")
        create.add_argument("--orange", required=True, help="lowest ratio that is orange, e.g. 0.5 (below: red)")
        create.add_argument("--note", default="", help="why this rule exists")
        create.add_argument("--user", help="act as this user (a reviewer); default: the system")

        assign = commands.add_parser("assign", help="make a framework or an indicator use a rule version")
        target = assign.add_mutually_exclusive_group(required=True)
        target.add_argument("--framework", help="framework code")
        target.add_argument("--indicator", help="indicator id")
        assign.add_argument(
            "--rule", required=True, help="name/version, or 'default' to use the framework's rule or the default"
        )
        assign.add_argument("--user", help="act as this user (a reviewer); default: the system")

    def handle(self, *args, subcommand: str, **options):
        getattr(self, f"_{subcommand}")(options)

    def _actor(self, username: str | None):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"ไม่พบผู้ใช้ '{username}' / No active user '{username}'")
        return user

    def _explain(self, options) -> None:
        bands = rule_by_code(options["rule"]).bands if options["rule"] else DEFAULT_BANDS
        status = evaluate(
            direction=options["direction"],
            target=_number(options["target"]),
            actual=_number(options["actual"]),
            target_max=_number(options["target_max"]),
            bands=bands,
        )
        result = status.as_dict()
        if options["baseline"] is not None:
            result["baseline"] = float(_number(options["baseline"]))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _list(self, options) -> None:
        rules = list(StatusRule.objects.order_by("name", "version"))
        frameworks: dict[int | None, list[str]] = {}
        for pk, code in Framework.objects.order_by("code").values_list("status_rule_id", "code"):
            frameworks.setdefault(pk, []).append(code)
        indicators: dict[int, list[str]] = {}
        own = Indicator.objects.filter(status_rule__isnull=False).order_by("node__framework_version__framework__code")
        for pk, indicator_id, code, framework in own.values_list(
            "status_rule_id", "pk", "code", "node__framework_version__framework__code"
        ):
            indicators.setdefault(pk, []).append(f"{indicator_id} ({framework} {code})")
        if not any(rule.code == RULE_VERSION for rule in rules):
            self.stdout.write(f"{RULE_VERSION}  {bands_text(DEFAULT_BANDS)}  (built in)\n")
        for rule in rules:
            self.stdout.write(f"{rule.code}  {bands_text(rule.bands)}" + (f"  — {rule.note}" if rule.note else ""))
            used = frameworks.get(rule.pk, [])
            if rule.code == RULE_VERSION:
                used = used + [f"{code} (ไม่ได้กำหนด / not set)" for code in frameworks.get(None, [])]
            self.stdout.write(f"    กรอบแผน / frameworks: {', '.join(used) or '-'}")
            self.stdout.write(f"    ตัวชี้วัด / indicators: {', '.join(indicators.get(rule.pk, [])) or '-'}")
        self.stdout.write(
            "ตัวชี้วัดที่ไม่ได้กำหนดกฎใช้กฎของกรอบแผน / Indicators without their own rule use their framework's rule\n"
        )

    def _create(self, options) -> None:
        actor = self._actor(options["user"])
        try:
            rule = status_rule_create(
                actor=actor,
                name=options["name"],
                green_from=options["green"],
                yellow_from=options["yellow"],
                orange_from=options["orange"],
                note=options["note"],
            )
        except ServiceError as error:
            raise _error(error) from error
        self.stdout.write(f"สร้างกฎ {rule.code} แล้ว / Created rule {rule.code}: {bands_text(rule.bands)}\n")

    def _assign(self, options) -> None:
        actor = self._actor(options["user"])
        rule = None if options["rule"] in INHERIT else rule_by_code(options["rule"])
        if options["framework"] is not None:
            target = Framework.objects.filter(code=options["framework"]).first()
            if target is None:
                raise CommandError(f"ไม่พบกรอบแผน '{options['framework']}' / No framework '{options['framework']}'")
            label = f"framework {target.code}"
        else:
            raw = options["indicator"]
            target = Indicator.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if target is None:
                raise CommandError(f"ไม่พบตัวชี้วัด '{raw}' / No indicator '{raw}'")
            label = f"indicator {target.pk} ({target.code})"
        try:
            status_rule_assign(actor=actor, target=target, rule=rule)
        except ServiceError as error:
            raise _error(error) from error
        shown = rule.code if rule else "ตามที่สืบทอด / inherited"
        self.stdout.write(f"{label}: กฎ / rule {shown}; คำนวณสถานะใหม่แล้ว / statuses recomputed\n")
