"""Fix posts whose stored status differs from the one their targets give, and say which."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from content.services.state import posts_status_repair


class Command(BaseCommand):
    help = (
        "Find posts (all workspaces) whose status differs from the one their targets give and "
        "fix them (see content.services.state). Prints one line per post."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report what would be fixed."
        )
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Posts read per query (default 1000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        drifts = posts_status_repair(dry_run=dry_run, batch_size=options["batch_size"])
        verb = "would fix" if dry_run else "fixed"
        for drift in drifts:
            self.stdout.write(
                f"post {drift.post_id} (workspace {drift.workspace_id}): "
                f"{drift.stored} -> {drift.derived} ({verb})"
            )
        summary = f"{len(drifts)} post(s) {'to fix' if dry_run else 'fixed'}."
        self.stdout.write(
            self.style.SUCCESS(summary) if not drifts else self.style.WARNING(summary)
        )
