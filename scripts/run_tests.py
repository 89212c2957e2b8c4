"""Run the whole test suite on SQLite, then on PostgreSQL.

PostgreSQL comes from TIDTAM_TEST_POSTGRES_URL (default: the local server, user postgres). pytest-django creates
and drops its own `test_<name>` database there. When the server cannot be reached the PostgreSQL run is skipped with
the reason, unless TIDTAM_REQUIRE_POSTGRES=1 (CI), which makes it a failure. Extra arguments go to pytest.
"""

import os
import subprocess
import sys

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/tidtam"


def postgres_unreachable_reason(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def pytest(args: list[str], **env: str) -> int:
    label = "PostgreSQL" if "DATABASE_URL" in env else "SQLite"
    print(f"\n=== tidtam test suite on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env={**os.environ, **env})


def main() -> int:
    args = sys.argv[1:]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    os.environ.clear()
    os.environ.update(env)
    sqlite_status = pytest(args)

    url = os.environ.get("TIDTAM_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    reason = postgres_unreachable_reason(url)
    if reason is not None:
        if os.environ.get("TIDTAM_REQUIRE_POSTGRES") == "1":
            print(f"PostgreSQL is required (TIDTAM_REQUIRE_POSTGRES=1) but unreachable at {url}: {reason}")
            return 1
        print(f"\nSKIPPED the PostgreSQL run: cannot reach {url} ({reason}). Set TIDTAM_TEST_POSTGRES_URL.")
        return sqlite_status
    postgres_status = pytest(["--create-db", *args], DATABASE_URL=url)
    return sqlite_status or postgres_status


if __name__ == "__main__":
    sys.exit(main())
