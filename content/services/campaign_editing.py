"""Use case: change a campaign's fields and, in the same step, archive it or bring it back (the
API's PATCH with `archived`). Composes content.services.campaigns; writes nothing itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from content.models import Campaign
from content.services.campaigns import campaign_archive, campaign_unarchive, campaign_update
from smm.models import User


@transaction.atomic
def campaign_change(
    *, campaign: Campaign, by: User, archived: bool | None = None, **fields: Any
) -> Campaign:
    """Change any of the editable `fields` of `campaign` (campaign_update), then archive it
    (`archived=True`) or bring it back (`archived=False`); None leaves that as it is.

    Raises what campaign_update raises (ValidationError for a bad name, slug or dates;
    TypeError for a field that cannot be edited): then nothing changes, archiving included.
    Side effects: the activity entries of campaign_update and campaign_(un)archive.
    """
    campaign = campaign_update(campaign=campaign, by=by, **fields)
    if archived is True:
        return campaign_archive(campaign=campaign, by=by)
    if archived is False:
        return campaign_unarchive(campaign=campaign, by=by)
    return campaign
