"""The production settings: the deploy checklist passes, missing secrets stop start-up with a
clear message, and the environment picks the broker, cache and e-mail backend.

Settings are loaded in a fresh subprocess for every case (never reloaded in this process), with
an environment from which every variable that smm/settings.py reads has been removed."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from smm.env import env_bool, env_int, env_list, env_secret

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_SOURCE = (BASE_DIR / "smm" / "settings.py").read_text()
# Every variable settings.py reads, found the way a reviewer would: by its env_* calls.
SETTINGS_VARS = sorted(
    set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_SOURCE))
)
SECRET_VARS = sorted(set(re.findall(r'env_secret\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_SOURCE)))

# Prints what the tests look at, through the same objects the processes use.
PROBE = """
import json
from django.conf import settings
from django.core.cache import caches
from smm.celery import app

print(json.dumps({
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
    "broker_url": app.conf.broker_url,
    "broker_options": app.conf.broker_transport_options,
    "cache_backend": type(caches["default"]).__name__,
    "cache_location": settings.CACHES["default"]["LOCATION"],
    "email_backend": settings.EMAIL_BACKEND,
    "email_port": getattr(settings, "EMAIL_PORT", None),
    "email_use_tls": getattr(settings, "EMAIL_USE_TLS", None),
    "email_password": getattr(settings, "EMAIL_HOST_PASSWORD", None),
}))
"""


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """This process's environment without Django's or Ripple's settings, plus `overrides`."""
    drop = {"DJANGO_SETTINGS_MODULE", *SETTINGS_VARS, *(f"{name}_FILE" for name in SECRET_VARS)}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env["DJANGO_SETTINGS_MODULE"] = "smm.settings"
    env["SMM_VAR_DIR"] = str(tmp_path / "var")
    env.update(overrides)
    return env


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """DEBUG off, with what production must set; `overrides` replace or add variables."""
    required = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SMM_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "ripple.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    return clean_env(tmp_path, **{**required, **overrides})


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


def probe(env: dict[str, str]) -> dict[str, Any]:
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- (a) the deploy checklist -------------------------------------------------------------------


def test_deploy_check_passes_with_debug_off(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output


# --- (b) missing secrets ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SECRET_KEY", "SMM_ENCRYPTION_KEYS"])
def test_debug_off_without_a_secret_fails_naming_it(tmp_path: Path, name: str) -> None:
    env = production_env(tmp_path)
    del env[name]
    result = run(["-c", "import smm.settings"], env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert f"Set {name}" in last_line
    assert "DEBUG off" in last_line


def test_a_key_that_is_not_a_fernet_key_fails_without_showing_it(tmp_path: Path) -> None:
    good = Fernet.generate_key().decode()
    bad = "not-a-fernet-key-" + secrets.token_hex(8)
    result = run(
        ["-c", "import smm.settings"], production_env(tmp_path, SMM_ENCRYPTION_KEYS=f"{good},{bad}")
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert "SMM_ENCRYPTION_KEYS: key 2 is not a Fernet key" in last_line
    assert bad not in result.stderr and good not in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret_key"
    secret_file.write_text("from-a-docker-secret-" + secrets.token_urlsafe(40) + "\n")
    env = production_env(tmp_path, SECRET_KEY_FILE=str(secret_file))
    del env["SECRET_KEY"]
    assert probe(env)["secret_key"] == secret_file.read_text().strip()


# --- (c) broker and cache -----------------------------------------------------------------------


def test_redis_url_makes_redis_the_broker_and_the_cache(tmp_path: Path) -> None:
    seen = probe(production_env(tmp_path, REDIS_URL="redis://redis.internal:6379/3"))
    assert seen["broker_url"] == "redis://redis.internal:6379/3"
    assert seen["broker_options"]["visibility_timeout"] == 3600
    assert seen["cache_backend"] == "RedisCache"
    assert seen["cache_location"] == "redis://redis.internal:6379/3"
    assert not (tmp_path / "var" / "celery-broker").exists()


def test_without_redis_the_broker_and_cache_live_under_the_var_dir(tmp_path: Path) -> None:
    var = tmp_path / "var"
    seen = probe(production_env(tmp_path))
    assert seen["broker_url"] == "filesystem://"
    assert seen["broker_options"]["data_folder_in"] == str(var / "celery-broker" / "queue")
    assert seen["broker_options"]["data_folder_out"] == str(var / "celery-broker" / "queue")
    assert seen["broker_options"]["processed_folder"] == str(var / "celery-broker" / "processed")
    # Every folder of the file-system transport is under the var dir and exists.
    folders = [v for k, v in seen["broker_options"].items() if k.endswith("_folder")]
    assert len(folders) >= 2
    for folder in folders:
        assert Path(folder).is_relative_to(var / "celery-broker")
        assert Path(folder).is_dir()
    assert seen["cache_backend"] == "FileBasedCache"
    assert seen["cache_location"] == str(var / "cache")


# --- (e) e-mail ---------------------------------------------------------------------------------


def test_email_host_switches_to_smtp(tmp_path: Path) -> None:
    password_file = tmp_path / "smtp_password"
    password_file.write_text("smtp-secret\n")
    seen = probe(
        production_env(
            tmp_path, EMAIL_HOST="smtp.example.com", EMAIL_HOST_PASSWORD_FILE=str(password_file)
        )
    )
    assert seen["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert seen["email_port"] == 587
    assert seen["email_use_tls"] is True
    assert seen["email_password"] == "smtp-secret"


def test_without_email_host_mail_goes_to_the_console(tmp_path: Path) -> None:
    seen = probe(production_env(tmp_path))
    assert seen["email_backend"] == "django.core.mail.backends.console.EmailBackend"


# --- (d) the env helpers (in this process: they only read os.environ) ---------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(raw, True) for raw in ("1", "true", " Yes ", "ON")],
        *[(raw, False) for raw in ("0", "false", "No", "off", "")],
    ],
)
def test_env_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("SMM_TEST_FLAG", raw)
    assert env_bool("SMM_TEST_FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMM_TEST_FLAG", raising=False)
    assert env_bool("SMM_TEST_FLAG", True) is True
    assert env_bool("SMM_TEST_FLAG") is False


def test_env_bool_rejects_garbage_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMM_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"SMM_TEST_FLAG must be a boolean .*'maybe'"):
        env_bool("SMM_TEST_FLAG")


def test_env_int_rejects_garbage_and_defaults_when_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMM_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match=r"SMM_TEST_NUMBER must be a whole number"):
        env_int("SMM_TEST_NUMBER", 1)
    monkeypatch.setenv("SMM_TEST_NUMBER", " ")
    assert env_int("SMM_TEST_NUMBER", 7) == 7


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMM_TEST_LIST", " a.example , b.example,,")
    assert env_list("SMM_TEST_LIST") == ["a.example", "b.example"]
    monkeypatch.delenv("SMM_TEST_LIST")
    assert env_list("SMM_TEST_LIST", ["x"]) == ["x"]


def test_env_secret_reads_name_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("s3cret-from-file\n")
    monkeypatch.delenv("SMM_TEST_SECRET", raising=False)
    monkeypatch.setenv("SMM_TEST_SECRET_FILE", str(secret_file))
    assert env_secret("SMM_TEST_SECRET") == "s3cret-from-file"
    # The variable itself wins over the file.
    monkeypatch.setenv("SMM_TEST_SECRET", "direct")
    assert env_secret("SMM_TEST_SECRET") == "direct"


def test_env_secret_unset_or_unreadable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SMM_TEST_SECRET", raising=False)
    monkeypatch.delenv("SMM_TEST_SECRET_FILE", raising=False)
    assert env_secret("SMM_TEST_SECRET") is None
    monkeypatch.setenv("SMM_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=r"SMM_TEST_SECRET_FILE points at .*unreadable"):
        env_secret("SMM_TEST_SECRET")


# --- the deployment files -----------------------------------------------------------------------


def test_env_example_documents_every_variable_settings_reads() -> None:
    example = (BASE_DIR / ".env.example").read_text()
    assert len(SETTINGS_VARS) > 20  # the regex still finds the env_* calls
    missing = [
        name for name in SETTINGS_VARS if not re.search(rf"^#?\s*{name}=", example, re.MULTILINE)
    ]
    assert missing == []
    # Plain KEY=value lines, which Compose, systemd's EnvironmentFile and a shell all read alike.
    for line in example.splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", line), line


def test_compose_runs_migrations_once_and_one_beat() -> None:
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"migrate", "web", "worker", "beat", "db", "redis"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "migrate" not in " ".join(map(str, services[name].get("command", [])))
        assert services[name]["env_file"] == ".env"
    assert services["migrate"]["restart"] == "no"
    assert "replicas" not in services["beat"].get("deploy", {})
    assert "--appendonly" in services["redis"]["command"]
    assert "media" in " ".join(services["web"]["volumes"] + services["worker"]["volumes"])
    # Secrets come from .env: only ${...} references, never literal values.
    db_password = services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert db_password.startswith("${POSTGRES_PASSWORD")
