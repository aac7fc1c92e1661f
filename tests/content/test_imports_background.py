"""Large CSV files are imported by a worker: the batch shows its progress, and a run that a
worker crash ended is resumed without creating any row's post twice."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings

from content.models import ImportBatch, Post
from content.services.imports import (
    import_batch_run,
    import_batches_resume_stalled,
    posts_import,
)
from smm.celery import app as celery_app
from smm.models import Membership, Role, Workspace
from tests.factories import ChannelFactory


def _file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["channels", "text"])
    for n in range(rows):
        writer.writerow(["@tulip", f"Post number {n + 1}"])
    return out.getvalue().encode()


@pytest.fixture
def editor(workspace: Workspace, bob) -> Membership:
    ChannelFactory(workspace=workspace, platform="mastodon", handle="@tulip")
    return Membership.objects.select_related("workspace", "user").get(workspace=workspace, user=bob)


@override_settings(SMM_IMPORT_INLINE_ROWS=3)
def test_a_large_file_is_left_to_a_worker(
    workspace, editor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        batch = posts_import(
            workspace=workspace, membership=editor, raw=_file(5), filename="big.csv"
        )
    assert batch.finished_at is None and len(callbacks) == 1  # the task is sent after commit
    assert not Post.objects.filter(workspace=workspace).exists()

    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.finished_at is not None
    assert batch.rows_imported == 5
    assert sorted(Post.objects.values_list("import_row", flat=True)) == [2, 3, 4, 5, 6]


@override_settings(SMM_IMPORT_INLINE_ROWS=3)
def test_a_resumed_import_does_not_create_a_row_twice(
    workspace, editor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks():
        batch = posts_import(
            workspace=workspace, membership=editor, raw=_file(4), filename="big.csv"
        )
    # A worker saved row 2's post and died before writing the report.
    Post.objects.create(
        workspace=workspace,
        author=editor.user,
        text="Post number 1",
        import_batch=batch,
        import_row=2,
    )
    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert Post.objects.filter(import_batch=batch).count() == 4
    assert [e["row"] for e in batch.report[1:]] == [2, 3, 4, 5]
    assert batch.rows_imported == 4
    # Running a finished batch again changes nothing.
    import_batch_run(batch_id=batch.pk)
    assert Post.objects.filter(import_batch=batch).count() == 4


@override_settings(SMM_IMPORT_INLINE_ROWS=1)
def test_an_uploader_who_left_gets_no_posts_imported(
    workspace, editor, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks():
        batch = posts_import(
            workspace=workspace, membership=editor, raw=_file(2), filename="big.csv"
        )
    Membership.objects.filter(pk=editor.pk).update(role=Role.VIEWER)
    import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.finished_at is not None
    assert not Post.objects.filter(import_batch=batch).exists()
    assert all(e["status"] == "error" for e in batch.report[1:])


@override_settings(SMM_IMPORT_INLINE_ROWS=1)
def test_the_sweep_restarts_only_stalled_imports(
    workspace, editor, django_capture_on_commit_callbacks, time_machine, monkeypatch
) -> None:
    time_machine.move_to("2026-11-29 10:00Z", tick=False)
    with django_capture_on_commit_callbacks():
        stalled = posts_import(
            workspace=workspace, membership=editor, raw=_file(2), filename="a.csv"
        )
    time_machine.shift(60 * 11)
    with django_capture_on_commit_callbacks():
        fresh = posts_import(workspace=workspace, membership=editor, raw=_file(2), filename="b.csv")
    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, args, **_: sent.append((name, args)))
    assert import_batches_resume_stalled() == 1
    assert sent == [("content.import_batch_run", (stalled.pk,))]
    assert ImportBatch.objects.get(pk=fresh.pk).finished_at is None
