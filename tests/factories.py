from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from smm.models import Membership, Role, User, Workspace

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EDITOR


def member(workspace: Workspace, role: Role | str, **user_fields: object) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(workspace=workspace, user=user, role=role)
    return user


class ChannelFactory(factory.django.DjangoModelFactory):
    """A connected channel with made-up (encrypted) tokens. Default: an X account whose access
    token renews through a refresh token."""

    class Meta:
        model = "channels_app.Channel"
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    platform = "x"
    external_id = factory.Sequence(lambda n: str(1_000_000 + n))
    handle = factory.Sequence(lambda n: f"@brand{n}")
    display_name = factory.Sequence(lambda n: f"Brand {n}")
    access_token = factory.Sequence(lambda n: f"access-token-{n}-SECRET")
    refresh_token = factory.Sequence(lambda n: f"refresh-token-{n}-SECRET")
    token_expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=2))
    token_renews = True
    scopes = factory.LazyFunction(
        lambda: ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"]
    )

    @factory.post_generation
    def guidelines(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            from channels_app.models import ChannelGuidelines

            ChannelGuidelines.objects.get_or_create(
                channel=self, defaults={"workspace": self.workspace}
            )
