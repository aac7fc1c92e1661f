from django.urls import path

from tests.plugin_app import views

urlpatterns = [
    path(
        "workspaces/<slug:slug>/plugin-demo/",
        views.PluginStatusApi.as_view(),
        name="plugin_demo_status",
    )
]
