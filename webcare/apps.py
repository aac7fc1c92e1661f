from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebcareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webcare"
    verbose_name = _("Webcare")
