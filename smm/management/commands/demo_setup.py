"""Create (or refresh) the demo workspace and its logins for `make run`. Idempotent."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from smm import registry, services
from smm.models import Membership, Role, User, Workspace

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed on start; demo only
DEMO_WORKSPACE = "Demo: Tulip & Co. Coffee"
DEMO_USERS = [
    ("demo@example.com", "Dana Demo", Role.OWNER),
    ("editor@example.com", "Eddie Editor", Role.EDITOR),
    ("contributor@example.com", "Cora Contributor", Role.CONTRIBUTOR),
    ("viewer@example.com", "Vic Viewer", Role.VIEWER),
]


class Command(BaseCommand):
    help = "Create the clearly labelled demo workspace with demo logins (development only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Allow with DEBUG off.")

    @transaction.atomic
    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data is for development; pass --force to create it with DEBUG off."
            )
        users = {}
        for email, name, _role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        owner = users[DEMO_USERS[0][0]]
        workspace = Workspace.objects.filter(is_demo=True, name=DEMO_WORKSPACE).first()
        if workspace is None:
            workspace = services.workspace_create(name=DEMO_WORKSPACE, by=owner, is_demo=True)
        for email, _name, role in DEMO_USERS:
            Membership.objects.get_or_create(
                workspace=workspace, user=users[email], defaults={"role": role}
            )
        # Each app adds its own demo data (a campaign, hashtag groups, ...), idempotently.
        registry.demo_data_fill(workspace, owner)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workspace “{workspace.name}” is ready. Log in as {DEMO_USERS[0][0]} "
                f"with password {DEMO_PASSWORD} (also editor@, contributor@, viewer@example.com)."
            )
        )
