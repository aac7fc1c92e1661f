"""Factories for the tracked-links tests (no tests here). Shared content factories may later
move to tests/content/factories.py."""

from __future__ import annotations

import factory

from content.models import Campaign, CampaignObjective, Post, PostTarget, ShortLink
from tests.factories import ChannelFactory, WorkspaceFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    objective = CampaignObjective.TRAFFIC


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    workspace = factory.SubFactory(WorkspaceFactory)
    text = "Our new roast is here: https://shop.example/roast?ref=social"
    shorten_links = True


class PostTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PostTarget

    post = factory.SubFactory(PostFactory)
    workspace = factory.SelfAttribute("post.workspace")
    channel = factory.SubFactory(ChannelFactory, workspace=factory.SelfAttribute("..workspace"))


class ShortLinkFactory(factory.django.DjangoModelFactory):
    """A short link of a target; utm values as shortlink_for would set them."""

    class Meta:
        model = ShortLink

    target = factory.SubFactory(PostTargetFactory)
    workspace = factory.SelfAttribute("target.workspace")
    post = factory.SelfAttribute("target.post")
    channel = factory.SelfAttribute("target.channel")
    campaign = factory.SelfAttribute("target.post.campaign")
    code = factory.Sequence(lambda n: f"Lk{n:05d}")
    original_url = factory.Sequence(lambda n: f"https://shop.example/p/{n}")
    destination_url = factory.LazyAttribute(
        lambda o: f"{o.original_url}?utm_source={o.channel.platform}&utm_medium=social"
    )
    utm_source = factory.SelfAttribute("channel.platform")
    utm_medium = "social"
    utm_content = factory.LazyAttribute(lambda o: f"post-{o.post.pk}")
