from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmmConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "smm"
    verbose_name = _("Workspaces and accounts")

    def ready(self) -> None:
        from smm.plugin import plugin
        from smm.registry import plugin_register

        plugin_register(plugin())
