"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo (pure Python; GNU gettext not required)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                po = polib.pofile(str(po_path))
                fuzzy = [e.msgid for e in po.fuzzy_entries()]
                if fuzzy:
                    raise CommandError(f"{po_path}: {len(fuzzy)} fuzzy entries, e.g. {fuzzy[0]!r}")
                po.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
                self.stdout.write(f"compiled {po_path} ({po.percent_translated()}% translated)")
        self.stdout.write(self.style.SUCCESS(f"{count} catalogue(s) compiled."))
