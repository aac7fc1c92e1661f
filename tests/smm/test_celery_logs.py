"""The every-second dispatcher does not fill the worker's and beat's logs; failures still show."""

from __future__ import annotations

import logging

import smm.celery  # noqa: F401 - installs the filters


def _kept(logger: str, level: int, message: str, *args: object) -> bool:
    record = logging.LogRecord(logger, level, __file__, 1, message, args, None)
    return all(f.filter(record) for f in logging.getLogger(logger).filters)


def test_routine_lines_of_the_sweep_are_dropped_and_others_kept() -> None:
    trace = "celery.app.trace"
    assert not _kept(trace, logging.INFO, "Task %s[%s] succeeded", "content.dispatch_due", "1")
    assert not _kept("celery.beat", logging.INFO, "Sending due task %s", "content.dispatch_due")
    assert _kept(trace, logging.INFO, "Task %s[%s] succeeded", "content.publish_target", "1")
    assert _kept(trace, logging.ERROR, "Task %s[%s] raised", "content.dispatch_due", "1")
