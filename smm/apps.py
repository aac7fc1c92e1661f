from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smm"
    verbose_name = _("Workspaces and accounts")
