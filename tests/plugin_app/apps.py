from django.apps import AppConfig


class PluginAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.plugin_app"
    label = "plugin_app"

    def ready(self) -> None:
        from smm.registry import plugin_register
        from tests.plugin_app.plugin import plugin

        plugin_register(plugin())
