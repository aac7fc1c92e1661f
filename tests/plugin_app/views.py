from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from smm.models import Membership
from smm.tenancy import WorkspaceAPIView, workspace_view


@login_required
@workspace_view("plugin_demo.view")
def home(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "plugin_app/home.html", {"workspace": membership.workspace})


class PluginStatusApi(WorkspaceAPIView):
    actions = {"GET": "plugin_demo.view"}

    @extend_schema(
        responses=inline_serializer("PluginDemoStatus", {"workspace": serializers.CharField()})
    )
    def get(self, request: Request, slug: str, **_: Any) -> Response:
        return Response({"workspace": self.workspace.slug})
