from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_app"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from channels_app.plugin import plugin
        from smm.registry import plugin_register

        plugin_register(plugin())
