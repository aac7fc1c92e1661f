"""The shared HTTP layer: network failures become TransientError without leaking URLs' secrets."""

from __future__ import annotations

import datetime as dt
import traceback

import pytest
import requests
import responses
import time_machine

from channels_app.adapters.base import RateLimited, TransientError
from channels_app.adapters.http import new_session, parse_time, raise_for_transport, send

SECRET_URL = "https://graph.example/v26.0/oauth/access_token?client_secret=SHH&code=abc"


@responses.activate
@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError(f"Max retries exceeded with url: {SECRET_URL}"),
        requests.Timeout(SECRET_URL),
    ],
)
def test_network_failures_are_transient_and_hide_the_query(failure) -> None:
    responses.get("https://graph.example/v26.0/oauth/access_token", body=failure)
    with pytest.raises(TransientError) as err:
        send(new_session(), "GET", SECRET_URL)
    text = "".join(traceback.format_exception(err.value))
    assert "https://graph.example/v26.0/oauth/access_token" in text
    assert "SHH" not in text and "code=abc" not in text


@responses.activate
def test_every_request_has_a_timeout() -> None:
    responses.get("https://api.example/x", json={})
    session = new_session()
    seen = {}
    original = session.request

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    session.request = spy  # type: ignore[method-assign]
    send(session, "GET", "https://api.example/x")
    assert seen["timeout"] == (5.0, 30.0)


@responses.activate
@time_machine.travel(dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC), tick=False)
def test_rate_limit_waits_come_from_the_headers() -> None:
    responses.get("https://api.example/a", status=429, headers={"Retry-After": "30"})
    responses.get(
        "https://api.example/b",
        status=429,
        headers={
            "x-rate-limit-reset": str(
                int(dt.datetime(2026, 11, 29, 12, 5, tzinfo=dt.UTC).timestamp())
            )
        },
    )
    responses.get(
        "https://api.example/c",
        status=429,
        headers={"X-RateLimit-Reset": "2026-11-29T12:02:00.000Z"},
    )
    waits = []
    for path, header in (("a", None), ("b", "x-rate-limit-reset"), ("c", "X-RateLimit-Reset")):
        resp = send(new_session(), "GET", f"https://api.example/{path}")
        with pytest.raises(RateLimited) as err:
            raise_for_transport(resp, reset_header=header)
        waits.append(err.value.retry_after)
    assert waits == [30, 300, 120]


@responses.activate
def test_server_errors_are_transient() -> None:
    responses.get("https://api.example/x", status=502)
    resp = send(new_session(), "GET", "https://api.example/x")
    with pytest.raises(TransientError):
        raise_for_transport(resp)


def test_parse_time_reads_the_platforms_formats() -> None:
    utc = dt.UTC
    assert parse_time("2026-11-29T10:00:00+0000") == dt.datetime(2026, 11, 29, 10, tzinfo=utc)
    assert parse_time("2026-11-29T10:00:00.000Z") == dt.datetime(2026, 11, 29, 10, tzinfo=utc)
    assert parse_time(1_796_032_800) == dt.datetime.fromtimestamp(1_796_032_800, tz=utc)
    assert parse_time("") is None and parse_time("not a date") is None
