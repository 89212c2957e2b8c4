"""`tidtam serve --prod`: the gunicorn command it builds, what it refuses, the deployment checks with a production
environment, and the real server started on loopback (static files through WhiteNoise, the API, a clean stop)."""

import gzip
import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tidtam.core.management.commands.serve import ServerConfig, default_workers, gunicorn_argv, pending_migrations
from tidtam.opendata.bench_api import free_port

# What a production host sets (docs/deploy.md), besides the database.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "tidtam.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://tidtam.example.org",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _env(tmp_path, **extra: str) -> dict[str, str]:
    """This process's environment without anything that would point a child at another database or settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "SECURE_", "API_"))}
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "REDIS_URL", "SECURE_COOKIES"):
        env.pop(key, None)
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "tidtam.settings",
        "TIDTAM_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tidtam.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **extra,
    }


def _tidtam(*args: str) -> list[str]:
    return [sys.executable, "-m", "tidtam.cli", *args]


def test_gunicorn_command_for_two_cores():
    argv = gunicorn_argv(ServerConfig(host="127.0.0.1", port=8123, workers=3, threads=4), python="/py")
    assert argv[:4] == ["/py", "-m", "gunicorn", "tidtam.core.management.commands.serve:warm_application()"]
    assert _option(argv, "--bind") == "127.0.0.1:8123"
    assert _option(argv, "--workers") == "3"
    assert _option(argv, "--worker-class") == "gthread"
    assert _option(argv, "--threads") == "4"
    assert int(_option(argv, "--keep-alive")) >= 2
    assert _option(argv, "--forwarded-allow-ips") == "127.0.0.1,::1"
    assert "--preload" in argv
    assert "--access-logfile" not in argv  # off by default
    assert "--proxy-protocol" not in argv


def test_gunicorn_command_options():
    argv = gunicorn_argv(
        ServerConfig(host="::1", port=80, access_log=True, proxy_protocol=True, forwarded_allow_ips="10.0.0.0/8")
    )
    assert _option(argv, "--bind") == "[::1]:80"
    assert _option(argv, "--access-logfile") == "-"
    assert _option(argv, "--proxy-allow-from") == "10.0.0.0/8"
    assert _option(argv, "--forwarded-allow-ips") == "10.0.0.0/8"


@pytest.mark.parametrize(("cpus", "workers"), [(1, 2), (2, 3), (4, 5), (64, 8)])
def test_default_workers(cpus, workers):
    assert default_workers(cpus) == workers


def test_dry_run_prints_the_command(db, settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("serve", "--prod", "--dry-run", "--port", "๘๑๒๓", "--workers", "2", "--threads", "8", stdout=out)
    expected = gunicorn_argv(ServerConfig(host="127.0.0.1", port=8123, workers=2, threads=8))
    assert shlex.split(out.getvalue()) == expected


def test_refuses_with_debug_on(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG=0"):
        call_command("serve", "--prod", "--dry-run")


def test_no_pending_migrations_in_the_test_database(db):
    assert pending_migrations() == []


def test_refuses_an_unmigrated_database(tmp_path):
    result = subprocess.run(
        _tidtam("serve", "--prod", "--dry-run"),
        env=_env(tmp_path, DEBUG="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unapplied migrations" in result.stderr
    assert "tidtam migrate" in result.stderr


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    result = subprocess.run(
        _tidtam("check", "--deploy", "--fail-level", "WARNING"),
        env=_env(tmp_path, **PRODUCTION_ENV),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _get(port: int, path: str, *, proxied: bool = True, **headers: str) -> http.client.HTTPResponse:
    """GET as the reverse proxy on loopback sends it: the client used HTTPS (unless `proxied` is false)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers} if proxied else headers)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def test_production_server_serves_pages_static_files_and_the_api(tmp_path):
    """The real thing: `tidtam serve --prod --migrate` on a fresh SQLite database, on a free loopback port."""
    port = free_port()
    env = _env(tmp_path, DEBUG="0", ALLOWED_HOSTS="127.0.0.1", API_ANON_RATE="0", SECURE_SSL_REDIRECT="1")
    argv = _tidtam(
        "serve", "--prod", "--migrate", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--access-log", "--proxy-protocol",
    )  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                api = _get(port, "/api/v1/frameworks")
                break
            except OSError:
                time.sleep(0.2)

        assert api.status == 200
        assert api.getheader("Server", "").startswith("gunicorn")
        assert api.getheader("Content-Type").startswith("application/json")

        home = _get(port, "/")
        assert home.status == 200
        html = home.body.decode()
        # With DEBUG off the pages name the collected files by content hash (the manifest storage).
        stylesheet = re.search(r"/static/[\w/.-]+\.[0-9a-f]{12}\.css", html)
        assert stylesheet, html[:2000]

        static = _get(port, stylesheet.group(0), **{"Accept-Encoding": "gzip"})
        assert static.status == 200
        assert "immutable" in static.getheader("Cache-Control")
        assert static.getheader("Content-Encoding") == "gzip"
        assert b"{" in gzip.decompress(static.body)
        assert _get(port, "/static/no-such-file.css").status == 404

        # gunicorn believes X-Forwarded-Proto from the trusted proxy (loopback); a plain HTTP request is redirected.
        plain = _get(port, "/api/v1/frameworks", proxied=False)
        assert plain.status == 301
        assert plain.getheader("Location") == f"https://127.0.0.1:{port}/api/v1/frameworks"
        assert "max-age=" in api.getheader("Strict-Transport-Security")

        # A load balancer on loopback (trusted) sends the client's address in a PROXY protocol header.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(
                b"PROXY TCP4 203.0.113.7 127.0.0.1 51000 443\r\nGET /api/v1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 200")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, log.read_text()  # gunicorn stopped gracefully on SIGTERM
    access = [line for line in log.read_text().splitlines() if '"GET /api/v1/ HTTP/1.1" 200' in line]
    assert any(line.startswith("203.0.113.7 ") for line in access), access  # REMOTE_ADDR is the client's
