"""The API's one error format: every error answer is the envelope {detail, code[, errors]} of
smm.api_errors, one test per kind of error, the handler's translations of Django's exceptions,
and every operation of the OpenAPI schema documenting its errors with the envelope."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.test import Client
from rest_framework import exceptions

from smm.api_errors import COMPONENT, ApiError, api_exception_handler
from smm.models import Membership, Role, User, Workspace
from smm.services import api_token_create
from tests.factories import member

ERROR_CODES = ("400", "401", "403", "404", "409", "429")
ALWAYS = ("400", "401", "403", "404", "429")


def bearer(user: User) -> Client:
    raw = api_token_create(user=user, name="tests").raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def assert_envelope(body: dict[str, Any], code: str) -> None:
    assert isinstance(body["detail"], str) and body["detail"], body
    assert body["code"] == code, body


# One test per kind of error ----------------------------------------------------------------------


def test_400_from_a_serializer_lists_the_fields(alice: User) -> None:
    response = bearer(alice).post("/api/v1/workspaces/", {}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert_envelope(body, "invalid")
    assert set(body["errors"]) == {"name"} and body["errors"]["name"][0]
    assert "errors" in body["detail"]  # "Some fields are not valid: see “errors”."


def test_400_from_a_service_has_the_same_shape(alice: User, workspace: Workspace) -> None:
    response = bearer(alice).delete(
        f"/api/v1/workspaces/{workspace.slug}/",
        {"confirm_name": "Not it"},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert_envelope(body, "invalid")
    assert "exactly" in body["errors"]["confirm_name"][0]


def test_400_for_a_malformed_body(alice: User) -> None:
    response = bearer(alice).post("/api/v1/workspaces/", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert_envelope(response.json(), "parse_error")


def test_404_for_another_workspaces_object_names_nothing(
    alice: User, workspace: Workspace, mallory: User, other_workspace: Workspace
) -> None:
    theirs = Membership.objects.get(user=mallory, workspace=other_workspace)
    response = bearer(alice).get(f"/api/v1/workspaces/{workspace.slug}/members/{theirs.pk}/")
    assert response.status_code == 404
    body = response.json()
    assert body == {"detail": "Not found.", "code": "not_found"}
    # Another workspace's slug is the same 404: nothing says it exists.
    response = bearer(alice).get(f"/api/v1/workspaces/{other_workspace.slug}/")
    assert response.status_code == 404 and response.json() == body


def test_403_for_a_weak_role_says_why(workspace: Workspace) -> None:
    viewer = member(workspace, Role.VIEWER, email="vera@example.com")
    response = bearer(viewer).patch(
        f"/api/v1/workspaces/{workspace.slug}/", {"name": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.json()
    assert_envelope(body, "permission_denied")
    assert "role" in body["detail"]


def test_403_for_a_read_only_token(alice: User, workspace: Workspace) -> None:
    raw = api_token_create(user=alice, name="read", read_only=True).raw
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/v1/workspaces/", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert_envelope(response.json(), "permission_denied")
    assert "read-only" in response.json()["detail"]


@pytest.mark.django_db
def test_401_without_or_with_wrong_credentials() -> None:
    response = Client().get("/api/v1/me/")
    assert response.status_code == 401
    assert_envelope(response.json(), "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    wrong = Client(HTTP_AUTHORIZATION="Bearer rpl_not-a-token").get("/api/v1/me/")
    assert wrong.status_code == 401
    assert_envelope(wrong.json(), "authentication_failed")


def test_405_for_a_method_the_endpoint_lacks(alice: User) -> None:
    response = bearer(alice).put("/api/v1/me/", {}, content_type="application/json")
    assert response.status_code == 405
    assert_envelope(response.json(), "method_not_allowed")


# The handler, on the exceptions that no endpoint raises on demand -------------------------------


def handle(exc: Exception) -> tuple[int, dict[str, Any], Any]:
    response = api_exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data, response


def test_django_errors_become_the_envelope() -> None:
    status, body, _ = handle(DjangoValidationError({NON_FIELD_ERRORS: ["Both or neither."]}))
    assert (status, body["code"], body["detail"]) == (400, "invalid", "Both or neither.")
    assert body["errors"] == {"non_field_errors": ["Both or neither."]}

    status, body, _ = handle(DjangoValidationError("Plain."))
    assert body["errors"] == {"non_field_errors": ["Plain."]} and body["detail"] == "Plain."

    status, body, _ = handle(Http404("No Membership matches the given query."))
    assert (status, body) == (404, {"detail": "Not found.", "code": "not_found"})

    status, body, _ = handle(DjangoPermissionDenied("You can only change your own posts."))
    assert status == 403
    assert body == {"detail": "You can only change your own posts.", "code": "permission_denied"}


def test_429_says_when_to_come_back() -> None:
    status, body, response = handle(exceptions.Throttled(wait=12.3))
    assert status == 429 and body["code"] == "throttled" and body["retry_after"] == 13
    assert response["Retry-After"] == "13"


def test_an_api_error_adds_its_keys_and_headers() -> None:
    status, body, response = handle(
        ApiError(
            "Changed since.",
            status_code=409,
            code="version_conflict",
            extra={"current_version": 3},
            headers={"ETag": '"3"'},
        )
    )
    assert status == 409
    assert body == {"detail": "Changed since.", "code": "version_conflict", "current_version": 3}
    assert response["ETag"] == '"3"'


def test_unexpected_errors_are_left_to_django() -> None:
    assert api_exception_handler(RuntimeError("bug"), {}) is None


# The schema ---------------------------------------------------------------------------------------


def _error_schema_is_the_envelope(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    envelope = f"#/components/schemas/{COMPONENT}"
    ref = schema.get("$ref", "")
    if ref == envelope:
        return True
    name = ref.rsplit("/", 1)[-1]
    extension = components.get(name, {})
    return bool(extension.get("allOf")) and extension["allOf"][0] == {"$ref": envelope}


def test_every_operation_documents_its_errors_with_the_envelope(client: Client, alice) -> None:
    client.force_login(alice)
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert {"detail", "code", "errors"} <= set(components[COMPONENT]["properties"])
    assert set(components[COMPONENT]["required"]) == {"code", "detail"}
    operations = [
        (f"{method.upper()} {route}", operation)
        for route, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 40  # the kernel's, the channels' and the content area's
    for name, operation in operations:
        responses = operation["responses"]
        assert set(ALWAYS) <= set(responses), name
        for code in ERROR_CODES:
            if code in responses:
                body = responses[code]["content"]["application/json"]["schema"]
                assert _error_schema_is_the_envelope(body, components), (name, code, body)
        for code in responses:
            if code.startswith("4"):
                assert code in ERROR_CODES, (name, code)
