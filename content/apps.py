from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "content"
    verbose_name = _("Content and campaigns")

    def ready(self) -> None:
        from content.plugin import plugin
        from smm.registry import plugin_register

        plugin_register(plugin())
