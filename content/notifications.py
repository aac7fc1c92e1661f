"""The kinds of notification the content area sends (found by smm.notifications on first use).

Every `notify(kind=...)` in content's services uses one of these keys; a person chooses per kind
whether it also comes by e-mail (in the app it always shows).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smm.notifications import notification_kind_register

notification_kind_register("post.submitted", _("A post waits for your approval"))
notification_kind_register("post.reopened", _("An approved post was changed and needs approval"))
notification_kind_register("post.approved", _("Your post was approved"))
notification_kind_register("post.changes_requested", _("Changes were asked for on your post"))
notification_kind_register("post.commented", _("Someone commented on a post you follow"))
# Publishing problems: the kind is "post.<target status>" (content.services.publishing).
notification_kind_register("post.failed", _("A post did not go out"))
notification_kind_register(
    "post.needs_attention", _("A post's publication needs checking on the platform")
)
