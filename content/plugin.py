"""How the content area plugs into the suite (see smm.registry)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from smm.models import Role, User, Workspace
from smm.registry import AppPlugin, BeatEntry, NavItem, SettingsLink


def plugin() -> AppPlugin:
    dispatch = int(settings.SMM_DISPATCH_INTERVAL)
    return AppPlugin(
        label="content",
        permissions={
            "content.view": Role.VIEWER,
            "content.comment": Role.VIEWER,
            # Approving is open to every role here; the service also checks that the person is
            # one of the workspace's approvers.
            "content.approve": Role.VIEWER,
            "content.create": Role.CONTRIBUTOR,
            "media.upload": Role.CONTRIBUTOR,
            "content.schedule": Role.EDITOR,
            "content.edit_any": Role.EDITOR,
            "content.import": Role.EDITOR,
            "content.library": Role.EDITOR,
            "campaigns.manage": Role.EDITOR,
            "links.view": Role.VIEWER,
            "links.manage": Role.EDITOR,
            "content.settings": Role.ADMIN,
            "tracking_keys.manage": Role.ADMIN,
        },
        activity_verbs={
            "post.created": _("wrote the post %(target)s"),
            "post.updated": _("changed the post %(target)s"),
            "post.deleted": _("deleted the post %(target)s"),
            "post.submitted": _("sent the post %(target)s for approval"),
            "post.approved": _("approved the post %(target)s"),
            "post.changes_requested": _("asked for changes to the post %(target)s"),
            "post.reopened": _("changed the approved post %(target)s, which needs approval again"),
            "post.review_link_created": _("sent the post %(target)s to %(reviewer)s for review"),
            "post.review_link_revoked": _("revoked the review link of %(reviewer)s for %(target)s"),
            "post.scheduled": _("scheduled the post %(target)s"),
            "post.unscheduled": _("took the post %(target)s off the schedule"),
            "post.rescheduled": _("moved the post %(target)s to another time"),
            "tracking_key.created": _("created the tracking key %(target)s"),
            "tracking_key.revoked": _("revoked the tracking key %(target)s"),
            "campaign.created": _("created the campaign %(target)s"),
            "campaign.updated": _("changed the campaign %(target)s"),
            "campaign.archived": _("archived the campaign %(target)s"),
            "campaign.unarchived": _("brought back the campaign %(target)s"),
            "hashtag_group.created": _("added the hashtag group %(target)s"),
            "hashtag_group.updated": _("changed the hashtag group %(target)s"),
            "hashtag_group.deleted": _("deleted the hashtag group %(target)s"),
            "snippet.created": _("added the snippet %(target)s"),
            "snippet.updated": _("changed the snippet %(target)s"),
            "snippet.deleted": _("deleted the snippet %(target)s"),
            "content_settings.updated": _("changed the content settings"),
            "media.uploaded": _("uploaded %(target)s"),
            "media.updated": _("changed the alt text or focal point of %(target)s"),
            "media.deleted": _("deleted the media file %(target)s"),
            "posts.imported": _("imported posts from %(target)s"),
            "post.retried": _("sent the post %(target)s again on %(channel)s"),
            "post.marked_published": _("marked the post %(target)s as published on %(channel)s"),
        },
        web_urls="content.urls",
        api_urls="content.api_urls",
        beat=[
            # Every second by default: the database is the schedule, this claims what is due.
            BeatEntry(
                "content.dispatch_due",
                "content.dispatch_due",
                float(dispatch),
                expires=dispatch,
                quiet=True,
                queue="sweeps",
            ),
            # A post's status is derived from its targets in the same transaction; this finds
            # and fixes (and logs) any drift all the same.
            BeatEntry(
                "content.post_status_repair",
                "content.post_status_repair",
                3600.0,
                expires=3600,
                queue="sweeps",
            ),
            BeatEntry(
                "content.imports_resume_stalled",
                "content.imports_resume_stalled",
                300.0,
                expires=300,
                queue="sweeps",
            ),
        ],
        nav=[
            NavItem(_("Calendar"), "content:calendar", "content.view", order=10),
            NavItem(_("Posts"), "content:post_list", "content.view", order=20),
            NavItem(_("Approvals"), "content:approvals", "content.view", order=30),
            NavItem(_("Media"), "content:media_library", "content.view", order=40),
            NavItem(_("Campaigns"), "content:campaign_list", "content.view", order=50),
            NavItem(_("Links"), "content:link_list", "links.view", order=60),
        ],
        settings_links=[
            SettingsLink(
                _("Approval of posts and client review links"),
                "content:settings",
                "content.settings",
                order=10,
            ),
            SettingsLink(
                _("Tracking keys for conversions"),
                "content:tracking_keys",
                "tracking_keys.manage",
                order=20,
            ),
        ],
        demo_data=[demo_data_fill],
        schema_enum_names={
            "ConversionKindEnum": "content.models.links.Conversion.Kind",
            "MediaKindEnum": "content.models.media.MediaKind",
        },
    )


def demo_data_fill(workspace: Workspace, owner: User) -> None:
    """A campaign, a hashtag group and a signature to try the composer with. No channels and no
    posts: those need real accounts; the demo shows nothing that looks real but is not."""
    from content.models import Campaign, HashtagGroup, Snippet
    from content.services.campaigns import campaign_create
    from content.services.library import hashtag_group_create, snippet_create

    if not Campaign.objects.for_workspace(workspace).exists():
        campaign_create(
            workspace=workspace,
            by=owner,
            name="Spring blend launch",
            objective="awareness",
            description="Introduce the new spring blend to our followers.",
            tags=["launch", "spring"],
        )
    if not HashtagGroup.objects.for_workspace(workspace).exists():
        hashtag_group_create(
            workspace=workspace, by=owner, name="Coffee", hashtags="#coffee #specialtycoffee"
        )
    if not Snippet.objects.for_workspace(workspace).exists():
        snippet_create(
            workspace=workspace, by=owner, name="Signature", body="— The Tulip & Co. team"
        )
