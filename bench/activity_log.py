"""Benchmark: how fast the activity log and the team page answer on a big workspace.

Run `python -m bench.generate` first (same DATABASE_URL), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ripple_bench \\
        .venv/bin/python -m bench.activity_log --rounds 30

Prints, per page, the median and p95 response time and the number of SQL queries. Goal: the
first, a deep (middle) and the last page of a 200,000-event log each answer in under 100 ms (p95),
with a constant number of queries.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.django_env import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--slug", default="bench")
    args = parser.parse_args()

    setup_django()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from smm.models import ActivityEvent, Membership, Role, Workspace
    from smm.selectors import _cursor

    workspace = Workspace.objects.get(slug=args.slug)
    owner = Membership.objects.filter(workspace=workspace).select_related("user").first()
    owner.role = Role.OWNER
    owner.save()
    events = ActivityEvent.objects.filter(workspace=workspace).count()
    ordered = ActivityEvent.objects.filter(workspace=workspace).order_by("-created_at", "-id")
    deep = _cursor(ordered[events // 2])
    last = _cursor(ordered[max(0, events - 20)])
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner.user)
    pages = {
        "activity, first page": f"/w/{args.slug}/activity/",
        "activity, deep page": f"/w/{args.slug}/activity/?before={deep}",
        "activity, last page": f"/w/{args.slug}/activity/?before={last}",
        "activity, filtered": f"/w/{args.slug}/activity/?area=members",
        "team page": f"/w/{args.slug}/members/",
    }
    print(
        f"{events} events, {Membership.objects.filter(workspace=workspace).count()} members, "
        f"database {connection.vendor}"
    )
    for label, url in pages.items():
        client.get(url)  # warm up
        timings = []
        for _ in range(args.rounds):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"{label:24} median {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   "
            f"{len(queries)} queries"
        )


if __name__ == "__main__":
    main()
