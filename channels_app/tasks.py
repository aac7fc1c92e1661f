"""Celery entry points of the channels area: sweeps claim work, item tasks carry one id."""

from __future__ import annotations

from functools import partial

from celery import Task, shared_task
from django.db import transaction


@shared_task(name="channels.tokens_refresh_due", ignore_result=True)
def tokens_refresh_due(**_: object) -> None:
    """Beat, every few minutes: one refresh task per channel whose token is at half-life."""
    from channels_app.services import channel_tokens_claim_due

    for channel_id in channel_tokens_claim_due():
        transaction.on_commit(partial(channel_token_refresh.delay, channel_id))


@shared_task(
    bind=True,
    name="channels.channel_token_refresh",
    acks_late=True,
    soft_time_limit=120,
    ignore_result=True,
)
def channel_token_refresh(self: Task, channel_id: int, **_: object) -> None:
    from channels_app.services import channel_token_refresh as refresh

    refresh(channel_id=channel_id)


@shared_task(name="channels.profiles_refresh", ignore_result=True)
def profiles_refresh(**_: object) -> None:
    """Beat, daily: re-read every active channel's profile (followers, avatar) and prove its
    token still works; a revoked token turns the channel "needs reconnect" before a post fails."""
    from channels_app.services import channel_ids_active_all_workspaces, pending_connections_purge

    pending_connections_purge()
    for channel_id in channel_ids_active_all_workspaces():
        channel_profile_refresh.delay(channel_id)


@shared_task(
    name="channels.channel_profile_refresh", acks_late=True, soft_time_limit=60, ignore_result=True
)
def channel_profile_refresh(channel_id: int, **_: object) -> None:
    from channels_app.services import channel_profile_refresh as refresh

    refresh(channel_id=channel_id)
