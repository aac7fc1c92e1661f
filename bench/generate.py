"""Data generator for the benchmarks: one workspace with many members and a long activity log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ripple_bench \\
        .venv/bin/python -m bench.generate --events 200000 --members 200

Idempotent per workspace slug: an existing benchmark workspace is deleted and made again.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from bench.django_env import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--slug", default="bench")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.utils import timezone

    from smm.models import ActivityEvent, Membership, Role, User, Workspace

    call_command("migrate", verbosity=0)
    Workspace.objects.filter(slug=args.slug).delete()
    workspace = Workspace.objects.create(name="Benchmark", slug=args.slug)
    users = User.objects.bulk_create(
        [
            User(email=f"bench{i}@{args.slug}.example", name=f"Bench {i}")
            for i in range(args.members)
        ],
        ignore_conflicts=True,
    )
    users = list(User.objects.filter(email__endswith=f"@{args.slug}.example"))
    Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=u, role=random.choice(Role.values)) for u in users],
        ignore_conflicts=True,
    )
    verbs = ["workspace.updated", "invitation.created", "member.role_changed", "member.joined"]
    now = timezone.now()
    started = time.perf_counter()
    batch: list[ActivityEvent] = []
    for i in range(args.events):
        actor = random.choice(users)
        batch.append(
            ActivityEvent(
                workspace=workspace,
                actor=actor,
                actor_label=actor.email,
                verb=random.choice(verbs),
                target_label=f"target{i}@example.com",
                data={"role": ["editor", "viewer"]},
                created_at=now - timedelta(seconds=i * 7),
            )
        )
        if len(batch) == 5000:
            ActivityEvent.objects.bulk_create(batch)
            batch.clear()
    ActivityEvent.objects.bulk_create(batch)
    from django.db import connection

    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would have them on a live database.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE smm_activityevent")
    print(
        f"workspace '{args.slug}': {len(users)} members, {args.events} activity events "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
