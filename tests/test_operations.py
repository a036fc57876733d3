"""The project as operators meet it: migrations, production checks, secrets, demo data, lint."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_overrides: dict, drop: tuple = ()) -> subprocess.CompletedProcess:
    skip = {*drop, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith("PYTEST")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "0",
    "DEMO_MODE": "0",
    "SECRET_KEY": "prod-like-" + "k3y-" * 16,
    "ALLOWED_HOSTS": "mash.anytown.gov.uk",
    "SECURE_SSL_REDIRECT": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
    "EMAIL_URL": "smtp+tls://mash:secret@smtp.anytown.gov.uk:587",
}


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_overrides={"DEBUG": "0"}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    from agencies.models import Agency, User
    from contacts.models import Contact

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=StringIO())
    counts = (Agency.objects.count(), User.objects.count(), Contact.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Agency.objects.count(), User.objects.count(), Contact.objects.count()) == counts
    assert counts[1] == 7 + 3 and counts[2] > 0  # the seven sign-ins, and the three receiving teams' duty desks
    desks = User.objects.filter(username__startswith="duty-")
    assert desks.count() == 3 and not any(d.has_usable_password() or d.groups.exists() for d in desks)
    assert all(d.team.receives_outcomes for d in desks)
    roles = {u.username: set(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
    assert roles["screener"] == {"screener"} and roles["manager"] == {"manager"}
    assert roles["police"] == {"partner"} and roles["admin"] == {"admin"}
    assert User.objects.get(username="admin").is_staff


@pytest.mark.django_db
def test_the_demo_families_are_not_each_others_matches_and_partners_are_told_the_real_deadline(settings):
    """Found walking the demo: the three enquiry mothers shared an address, a postcode and a birthday, so every
    enquiry contact offered the other families as possible matches; and the police were told the overdue request was
    due four hours later than its page said."""
    from django.utils import timezone

    from agencies.models import User
    from contacts.matching import find_candidates
    from contacts.models import Person
    from enquiries.models import InformationRequest
    from mash.models import Notification

    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=StringIO())
    mothers = {p.last_name: p for p in Person.objects.filter(first_name__in=["Gemma", "Blessing", "Mei"])}
    assert set(mothers) == {"Wright", "Okoro", "Lee"}
    for mother in mothers.values():
        found = {c.person.last_name for c in find_candidates(
            user=User.objects.get(username="screener"), first_name=mother.first_name, last_name=mother.last_name,
            date_of_birth=mother.date_of_birth,
            postcode=mother.postcode, nhs_number="")}
        assert found <= {mother.last_name}, (mother, found)
    for request in InformationRequest.objects.filter(due_at__isnull=False):
        due = f"{timezone.localtime(request.due_at):%d %B %Y at %H:%M}"
        for note in Notification.objects.filter(link=request.get_partner_url(), kind="information_request"):
            assert due in note.body, (request.agency, due, note.body)


@pytest.mark.django_db
def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo"):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" TRUE ", True), ("Yes", True), ("on", True),
     ("0", False), ("false", False), ("False", False), (" no", False), ("OFF", False)],
)
def test_booleans_from_the_environment(monkeypatch, value, expected):
    from mash.settings import env_bool

    monkeypatch.setenv("MASH_TEST_FLAG", value)
    assert env_bool("MASH_TEST_FLAG", default=not expected) is expected


def test_an_unset_boolean_takes_its_default(monkeypatch):
    from mash.settings import env_bool

    monkeypatch.delenv("MASH_TEST_FLAG", raising=False)
    assert env_bool("MASH_TEST_FLAG", default=True) is True
    assert env_bool("MASH_TEST_FLAG", default=False) is False


@pytest.mark.parametrize("value", ["ture", "2", "", "y", "enabled", "1 0"])
def test_a_boolean_that_is_not_one_is_refused(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from mash.settings import env_bool

    monkeypatch.setenv("MASH_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=r"MASH_TEST_FLAG=.* is not a boolean: use one of 1/0, true/false"):
        env_bool("MASH_TEST_FLAG", default=False)


def test_every_boolean_setting_is_parsed_strictly():
    import mash.settings

    source = Path(mash.settings.__file__).read_text()
    assert "env.bool(" not in source, "read booleans with env_bool: env.bool takes a typo for False"


@pytest.mark.parametrize(
    ("variable", "value", "base"),
    [("DEBUG", "ture", {}), ("SESSION_COOKIE_SECURE", "yes please", PRODUCTION)],
)
def test_start_up_stops_on_a_boolean_typo(variable, value, base):
    result = run_manage("check", env_overrides={**base, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{variable}='{value}' is not a boolean: use one of 1/0, true/false, yes/no, on/off" in result.stderr


def test_the_filesystem_transport_keeps_its_folders_under_var_dir(tmp_path):
    """kombu's filesystem transport puts its exchange tables in ./control unless told otherwise: a broadcast
    (what a worker's remote control uses) run from an empty folder must leave it empty."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"} and not k.startswith("PYTEST")}
    env.update({"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
                "DJANGO_SETTINGS_MODULE": "mash.settings", "DEBUG": "1", "VAR_DIR": str(tmp_path / "var")})
    code = "import django; django.setup(); from mash.celery import app; app.control.ping(timeout=0.1)"
    run = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert list(cwd.iterdir()) == []
    assert (tmp_path / "var" / "celery" / "control" / "reply.celery.pidbox.exchange").is_file()


def test_no_runtime_files_are_committed():
    listed = subprocess.run(["git", "ls-files", "--", "control", "var"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "", "runtime files belong under var/, which git ignores"


def production_example() -> dict:
    """.env.production.example's variables, as a deployer fills them in: its placeholders replaced (a long random
    SECRET_KEY), nothing else changed."""
    import secrets

    values = {}
    for line in (ROOT / ".env.production.example").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    assert "change-me" in values["SECRET_KEY"]  # the example's placeholder, which start-up refuses
    values["SECRET_KEY"] = secrets.token_urlsafe(60)
    return values


def test_check_deploy_is_clean_with_the_production_example():
    """`manage.py check --deploy` with only what .env.production.example sets (and where the database and Redis
    are): no warning at all."""
    example = production_example()
    env = {name: os.environ[name] for name in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL", "LANG")
           if name in os.environ}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env={**env, **example}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_production_example_placeholder_secret_key_stops_start_up():
    example = {**production_example(), "SECRET_KEY": "change-me-to-50-random-characters"}
    env = {name: os.environ[name] for name in ("PATH", "HOME", "DATABASE_URL", "REDIS_URL") if name in os.environ}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env={**env, **example},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY is a placeholder" in result.stderr
