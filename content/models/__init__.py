"""Content: campaigns, posts and their per-channel targets, media, approval, planning, links."""

from content.models.campaigns import Campaign, CampaignObjective
from content.models.imports import ImportBatch
from content.models.links import Conversion, LinkClickDaily, ShortLink, TrackingKey
from content.models.media import MediaAsset, MediaKind, MediaRendition
from content.models.posts import (
    ContentSettings,
    Fit,
    HashtagGroup,
    Post,
    PostComment,
    PostMedia,
    PostReview,
    PostTarget,
    PublishAttempt,
    RecurrenceUnit,
    ReviewLink,
    Snippet,
    TargetMedia,
)

__all__ = [
    "Campaign",
    "CampaignObjective",
    "ContentSettings",
    "Conversion",
    "Fit",
    "HashtagGroup",
    "ImportBatch",
    "LinkClickDaily",
    "MediaAsset",
    "MediaKind",
    "MediaRendition",
    "Post",
    "PostComment",
    "PostMedia",
    "PostReview",
    "PostTarget",
    "PublishAttempt",
    "RecurrenceUnit",
    "ReviewLink",
    "ShortLink",
    "Snippet",
    "TargetMedia",
    "TrackingKey",
]
