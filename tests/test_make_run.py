"""`make run` as a new user runs it: web, worker and beat come up together; Ctrl-C stops them all."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("processes")]


README_PORT = 8000  # the README's `make run` serves on http://127.0.0.1:8000


def port_is_free(port: int) -> bool:
    """As runserver binds (SO_REUSEADDR): a port a stopped server left in TIME_WAIT is free."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def readers_env(tmp_path: Path, overrides: dict) -> dict:
    """The environment of someone who follows the README: none of the test run's settings, no PORT."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE",
                        "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DEMO_MODE", "SESSION_COOKIE_SECURE",
                        "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "PORT"}
           and not k.startswith("PYTEST")}
    # Only the runtime folder moves, so the test neither reads nor overwrites the checkout's own var/.
    env.update({"VAR_DIR": str(tmp_path / "var"), **overrides})
    return env


def wait_for(url: str, seconds: float, proc: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"make run exited ({proc.returncode}) before {url} answered:\n"
                                 f"{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own local server)
                return response.read().decode()
        except OSError as error:
            last = error
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds}s: {last}\n{log.read_text()[-3000:]}")


def make_run(env_overrides: dict, tmp_path: Path) -> tuple[str, str]:
    """`make run` exactly as the README writes it, on the port it promises."""
    if not port_is_free(README_PORT):
        pytest.fail(f"Port {README_PORT} is in use: this test runs `make run` as the README does, which serves on "
                    f"{README_PORT}. Stop whatever is using it (a make run of your own?) and run the test again.")
    env = readers_env(tmp_path, env_overrides)
    log = tmp_path / "make-run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        page = wait_for(f"http://127.0.0.1:{README_PORT}/sign-in/", 120, proc, log)
        # Worker and beat are up too (their own start-up lines).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = log.read_text()
            if "ready." in text and "beat: Starting" in text:
                break
            time.sleep(0.5)
    finally:
        # Ctrl-C: honcho passes it to web, worker and beat.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("make run did not stop on Ctrl-C") from None
    text = log.read_text()
    assert f"server at http://127.0.0.1:{README_PORT}/" in text, text[-3000:]
    return page, text


def assert_all_came_up_and_stopped(page: str, log: str, port_check: bool = True):
    assert "Sign in" in page and "demo-password-123" in page, "demo logins shown in demo mode"
    assert "worker@" in log and " ready." in log, log[-3000:]
    assert "beat: Starting" in log, log[-3000:]
    assert "Demo ready" in log


def assert_no_runtime_files_committed():
    listed = subprocess.run(["git", "ls-files", "--", "control", "var"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stdout == "", listed.stdout + listed.stderr


def test_make_run_with_embedded_defaults(tmp_path):
    page, log = make_run({}, tmp_path)
    assert_all_came_up_and_stopped(page, log)
    assert (tmp_path / "var" / "mash.sqlite3").exists(), "SQLite file used when DATABASE_URL is unset"
    assert (tmp_path / "var" / "celery" / "queue").is_dir(), "filesystem transport used when no broker is set"
    # Every runtime file under VAR_DIR: kombu's control folder (exchange tables) too, none in the repository.
    assert (tmp_path / "var" / "celery" / "control").is_dir()
    assert not (ROOT / "control").exists(), "kombu wrote control/ into the repository root (or it was left there)"
    assert_no_runtime_files_committed()


def test_make_run_with_postgresql_and_redis(tmp_path):
    name = f"mash_makerun_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        page, log = make_run(
            {"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}", "REDIS_URL": "redis://127.0.0.1:6379/14"},
            tmp_path,
        )
        assert_all_came_up_and_stopped(page, log)
        assert "Connected to redis://:**@127.0.0.1:6379/14" in log, "the worker connected to Redis"
        assert not (tmp_path / "var" / "mash.sqlite3").exists()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as conn:
            # The seven demo sign-ins and the three receiving teams' duty desks (no sign-in).
            assert conn.execute("select count(*) from agencies_user").fetchone()[0] == 7 + 3
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_make_run_on_a_port_in_use_says_which_and_how_to_choose_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        run = subprocess.run(["make", "run"], cwd=ROOT, env=readers_env(tmp_path, {"PORT": str(port)}),
                             capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert f"Port {port} is already in use (by another make run?). Stop it, or choose another port: PORT=" in output
    other = int(re.search(r"PORT=(\d+) make run", output).group(1))
    assert other != port and port_is_free(other), output
    # Before anything else: nothing migrated, no server started.
    assert not (tmp_path / "var").exists(), output
    assert "migrate" not in output and "honcho" not in output, output
    assert time.monotonic() - started < 30, "the check runs first, not after migrating"


def test_make_run_refuses_a_port_that_is_no_number(tmp_path):
    run = subprocess.run(["make", "run"], cwd=ROOT, env=readers_env(tmp_path, {"PORT": "80OO"}),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "PORT must be a port number from 1 to 65535, not '80OO'" in run.stderr
    assert not (tmp_path / "var").exists()
