"""Server addresses that people type in may not lead into Ripple's own network."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from channels_app.hosts import check_public_url
from channels_app.models import MastodonApp


@pytest.fixture
def guarded(settings):
    settings.SMM_ALLOW_PRIVATE_PLATFORM_HOSTS = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1",
        "https://localhost",
        "https://10.1.2.3",
        "https://169.254.169.254",
        "https://[::1]",
        "https://192.168.0.10:8443",
    ],
)
def test_private_addresses_are_refused(guarded, url) -> None:
    with pytest.raises(ValidationError) as err:
        check_public_url(url, field="instance")
    assert "not a public server address" in str(err.value.message_dict["instance"])


def test_public_address_literals_pass(guarded) -> None:
    assert check_public_url("https://8.8.8.8", field="instance") == "https://8.8.8.8"


def test_unresolvable_hosts_are_refused(guarded) -> None:
    with pytest.raises(ValidationError, match="Could not find the server"):
        check_public_url("https://no-such-host.invalid", field="instance")


def test_the_mastodon_form_refuses_a_name_that_resolves_inside(
    guarded, client, alice, workspace, monkeypatch
) -> None:
    # A public-looking name whose DNS answer is an internal address.
    def resolve(host, port, *args, **kwargs):
        assert host == "mastodon.internal-trap.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr("channels_app.hosts.socket.getaddrinfo", resolve)
    client.force_login(alice)
    response = client.post(
        reverse("channels_app:channel_connect", args=[workspace.slug, "mastodon"]),
        {"instance": "mastodon.internal-trap.example"},
    )
    assert response.status_code == 400
    assert "not a public server address" in response.content.decode()
    assert not MastodonApp.objects.exists()  # nothing was sent there


def test_the_bluesky_form_refuses_a_local_host(guarded, client, alice, workspace) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("channels_app:channel_connect", args=[workspace.slug, "bluesky"]),
        {"identifier": "a.bsky.social", "password": "x", "service_url": "http://127.0.0.1:2583"},
    )
    assert response.status_code == 400
    assert "not a public server address" in response.content.decode()
