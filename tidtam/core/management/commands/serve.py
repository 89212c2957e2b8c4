"""`tidtam serve --prod [--host H] [--port P] [--workers W] [--threads T]`: the production server.

Before it starts gunicorn it makes sure the server would not serve a broken or unsafe site: DEBUG must be off, Django's
checks (with the deployment checks: warnings printed, errors refuse) must pass, no migration may be pending (like
`migrate --check`; `--migrate` applies them instead), and the static files are collected into STATIC_ROOT (WhiteNoise
serves them with hashed names, compressed and cached forever; see STORAGES in settings). Then the process becomes
gunicorn (exec), so a process supervisor's signals reach gunicorn directly: SIGTERM stops gracefully.

The defaults suit a small machine (2 cores): a few worker processes (the GIL keeps one process on one core; a spare
one absorbs database waits) each with threads (gthread) that hold keep-alive connections, so 50 clients do not need
50 processes. docs/deploy.md explains every choice; `--dry-run` prints the gunicorn command without starting it.

Without `--prod` it is Django's development server (`runserver`), as `make run` uses it.
"""

import os
import shlex
import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.checks import ERROR
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from tidtam.core.errors import bilingual
from tidtam.core.management.commands.bench import at_least

# An application factory (below): with --preload gunicorn calls it once in the master, before forking the workers.
WSGI_APP = "tidtam.core.management.commands.serve:warm_application()"
DEFAULT_THREADS = 4
# Longer than a browser's pause between a page and its assets; a proxy's pool of upstream connections must close
# idle ones sooner, or it will send a request on a connection gunicorn is closing (docs/deploy.md).
KEEP_ALIVE_SECONDS = 5
# A worker whose main loop is silent this long is restarted (with gthread a long answer in a thread does not count).
TIMEOUT_SECONDS = 60
GRACEFUL_TIMEOUT_SECONDS = 30
MAX_REQUESTS = 10_000  # recycle a worker now and then (bounded memory), jittered so they do not restart together
MAX_REQUESTS_JITTER = 1_000


def default_workers(cpus: int | None = None) -> int:
    """Worker processes for `cpus` cores: one per core plus one spare, at least 2 and at most 8 (more processes than
    that only cost memory and database connections; threads carry the concurrency)."""
    cpus = cpus or os.cpu_count() or 1
    return max(2, min(cpus + 1, 8))


@dataclass(frozen=True)
class ServerConfig:
    """What the gunicorn command line is made of."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 3
    threads: int = DEFAULT_THREADS
    keep_alive: int = KEEP_ALIVE_SECONDS
    timeout: int = TIMEOUT_SECONDS
    access_log: bool = False
    forwarded_allow_ips: str = "127.0.0.1,::1"
    proxy_protocol: bool = False

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def gunicorn_argv(config: ServerConfig, *, python: str = sys.executable) -> list[str]:
    """The command that runs gunicorn with `config` (the program first, as for `os.execv`)."""
    argv = [
        python,
        "-m",
        "gunicorn",
        WSGI_APP,
        "--bind",
        config.bind,
        "--workers",
        str(config.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(config.threads),
        "--keep-alive",
        str(config.keep_alive),
        "--timeout",
        str(config.timeout),
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT_SECONDS),
        "--max-requests",
        str(MAX_REQUESTS),
        "--max-requests-jitter",
        str(MAX_REQUESTS_JITTER),
        # Load Django once in the master; workers are forked from it (faster start, shared memory pages).
        "--preload",
        # Only these addresses may say, in X-Forwarded-Proto, that the client used HTTPS (docs/deploy.md).
        "--forwarded-allow-ips",
        config.forwarded_allow_ips,
        "--error-logfile",
        "-",
        "--name",
        "tidtam",
    ]
    if _gunicorn_knows("control_socket_disable"):
        # gunicorn ≥ 24 opens a control socket at one path per user: two servers (a test beside a running site)
        # would fight over it, and tidtam does not use it.
        argv.append("--no-control-socket")
    if os.path.isdir("/dev/shm"):
        # The workers' heartbeat files on tmpfs: a slow or full disk must not make gunicorn kill healthy workers.
        argv += ["--worker-tmp-dir", "/dev/shm"]
    if config.access_log:
        argv += ["--access-logfile", "-"]
    if config.proxy_protocol:
        # The load balancer sends the client's address in a PROXY header: REMOTE_ADDR becomes the client's, which is
        # what sign-in throttling and the anonymous rate limit count by.
        argv += ["--proxy-protocol", "--proxy-allow-from", config.forwarded_allow_ips]
    return argv


def _gunicorn_knows(setting: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(known.name == setting for known in KNOWN_SETTINGS)


def warm_application():
    """tidtam's WSGI application with everything a first request would load lazily already loaded: the URLconf (every
    view module and the API with its schemas, ≈ 2 s) and the translation catalogues. Loaded in gunicorn's master
    before it forks, the workers share it and no worker's first requests wait for it."""
    from django.urls import get_resolver
    from django.utils import translation

    from tidtam.wsgi import application

    get_resolver().url_patterns  # noqa: B018 — importing the URLconf is the point
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("tidtam")
    return application


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations not yet applied to the database (`app.name`), in the order `migrate` would apply them."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = (
        "เปิดเซิร์ฟเวอร์ใช้งานจริง (gunicorn) หรือเซิร์ฟเวอร์สำหรับพัฒนา / Run the production server (gunicorn, with "
        "--prod) or the development server"
    )
    requires_system_checks = []  # run below, with the deployment checks, only for --prod

    def add_arguments(self, parser):
        parser.add_argument("--prod", action="store_true", help="the production server (gunicorn); needs DEBUG=0")
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="address (default 127.0.0.1)")
        parser.add_argument(
            "--port", type=at_least(1), default=os.environ.get("PORT", "8000"), help="TCP port (default 8000)"
        )
        parser.add_argument(
            "--workers",
            type=at_least(1),
            default=None,
            help=f"worker processes (default: cores + 1, at least 2, at most 8; here {default_workers()})",
        )
        parser.add_argument(
            "--threads", type=at_least(1), default=DEFAULT_THREADS, help=f"threads per worker ({DEFAULT_THREADS})"
        )
        parser.add_argument(
            "--timeout", type=at_least(1), default=TIMEOUT_SECONDS, help=f"worker timeout, s ({TIMEOUT_SECONDS})"
        )
        parser.add_argument("--access-log", action="store_true", help="log every request to stdout (off by default)")
        parser.add_argument(
            "--forwarded-allow-ips",
            default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            help="proxies trusted to say the client used HTTPS (X-Forwarded-Proto), comma-separated addresses or "
            "networks (default: env FORWARDED_ALLOW_IPS, else loopback)",
        )
        parser.add_argument(
            "--proxy-protocol",
            action="store_true",
            default=os.environ.get("PROXY_PROTOCOL", "") in {"1", "true", "yes", "on"},
            help="expect a PROXY protocol header from those proxies and take the client address from it "
            "(default: env PROXY_PROTOCOL)",
        )
        parser.add_argument("--migrate", action="store_true", help="apply pending migrations instead of refusing")
        parser.add_argument("--no-collectstatic", action="store_true", help="do not collect the static files first")
        parser.add_argument("--dry-run", action="store_true", help="check, then print the gunicorn command; no start")

    def handle(self, *args, prod: bool, host: str, port, **options):
        port = int(port)
        if not prod:
            call_command("runserver", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
            return
        config = ServerConfig(
            host=host,
            port=port,
            workers=options["workers"] or default_workers(),
            threads=options["threads"],
            timeout=options["timeout"],
            access_log=options["access_log"],
            forwarded_allow_ips=options["forwarded_allow_ips"],
            proxy_protocol=options["proxy_protocol"],
        )
        self._preflight(migrate=options["migrate"], dry_run=options["dry_run"])
        if not options["no_collectstatic"] and not options["dry_run"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(config)
        if options["dry_run"]:
            self.stdout.write(shlex.join(argv))
            return
        self.stderr.write(
            f"tidtam: http://{config.bind}/ — gunicorn, {config.workers} workers × {config.threads} threads, "
            f"database {connections[DEFAULT_DB_ALIAS].vendor}"
        )
        connections.close_all()  # nothing of this process's own survives into gunicorn
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(argv[0], argv)

    def _preflight(self, *, migrate: bool, dry_run: bool) -> None:
        if settings.DEBUG:
            raise CommandError(
                bilingual(
                    "เซิร์ฟเวอร์ใช้งานจริงต้องปิด DEBUG: ตั้ง DEBUG=0 และ SECRET_KEY",
                    "The production server needs DEBUG off: set DEBUG=0 and a SECRET_KEY",
                )
            )
        # Errors refuse to start; deployment warnings (e.g. no HTTPS redirect on a loopback test) are printed.
        self.check(include_deployment_checks=True, fail_level=ERROR, databases=[DEFAULT_DB_ALIAS])
        pending = pending_migrations()
        if pending and (dry_run or not migrate):
            shown = ", ".join(pending[:5]) + (f" … (+{len(pending) - 5})" if len(pending) > 5 else "")
            raise CommandError(
                bilingual(
                    f"ฐานข้อมูลยังไม่ได้ migrate {len(pending)} รายการ ({shown}): สั่ง `tidtam migrate` "
                    "หรือ `tidtam serve --prod --migrate` ก่อน",
                    f"The database has {len(pending)} unapplied migrations ({shown}): run `tidtam migrate` "
                    "or `tidtam serve --prod --migrate` first",
                )
            )
        if pending:
            call_command("migrate", interactive=False, verbosity=1)
