"""Django for the benchmark scripts: the project's settings, DEBUG on unless the caller says."""

from __future__ import annotations

import os

import django


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")
    os.environ.setdefault("DEBUG", "1")
    django.setup()
