"""The REST API's one error format: every error answer is the same envelope.

    {"detail": "A sentence for people.", "code": "invalid",
     "errors": {"field": ["message"], "non_field_errors": ["message"]}}

- `detail`: a human sentence (translated);
- `code`: a stable machine code: `invalid` (400, with `errors`), `parse_error`,
  `not_authenticated` / `authentication_failed` (401), `permission_denied` (403), `not_found`
  (404), `method_not_allowed`, `conflict` or a more precise one such as `version_conflict` (409),
  `throttled` (429, with `retry_after` in seconds), ...;
- `errors`: only for validation errors; messages per field, those about the request as a whole
  under `non_field_errors`;
- more keys where an endpoint has more to say (the posts API adds `check` to a refused schedule
  and `current_version` and `post` to a version conflict): raise `ApiError` with `extra`.

`api_exception_handler` is DRF's EXCEPTION_HANDLER: it also turns Django's ValidationError (what
services raise), Http404 and PermissionDenied into the envelope. `ErrorSchema` adds the envelope,
as one component (`ApiError`), to the documented 400/401/403/404/429 answers of every operation
(and 409 where an operation declares one); `postprocess_error_extensions` shows a serializer that
extends the envelope as `allOf` the envelope and its own keys.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

# What every operation may answer besides its success; 409 only where an operation declares it.
DOCUMENTED_ERRORS: dict[int, str] = {
    400: "Invalid input, or refused by a rule (code `invalid`, with `errors`)",
    401: "No or invalid credentials",
    403: "Your role (or the token's scope) does not allow this",
    404: "Not found in this workspace (objects of other workspaces are never revealed)",
    429: "Too many requests: wait `retry_after` seconds",
}
CONFLICT_DESCRIPTION = "The object changed since the version you sent"
COMPONENT = "ApiError"


class ApiError(exceptions.APIException):
    """An API error with more to say than `detail` and `code`.

    `errors` (field -> messages) makes it a validation error's envelope; `extra` keys join the
    envelope; `headers` are set on the answer (an ETag with a conflict, for instance).
    """

    def __init__(
        self,
        detail: str,
        *,
        status_code: int = status.HTTP_400_BAD_REQUEST,
        code: str = "invalid",
        errors: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.code = code
        self.errors = errors
        self.extra = extra or {}
        self.headers = headers or {}

    @classmethod
    def invalid(
        cls, exc: DjangoValidationError | exceptions.ValidationError, **extra: Any
    ) -> ApiError:
        """A 400 envelope of a service's (Django) or a serializer's ValidationError, plus
        `extra` keys."""
        errors = errors_of(exc)
        return cls(_summary(errors), errors=errors, extra=extra)


def errors_of(exc: DjangoValidationError | exceptions.ValidationError) -> dict[str, Any]:
    """{field: [messages]} of a validation error; non-field messages under non_field_errors."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            raw: Any = exc.message_dict
        else:
            raw = list(exc.messages)
    else:
        raw = exc.detail
    if not isinstance(raw, dict):
        raw = list(raw) if isinstance(raw, list | tuple) else [raw]
        return {api_settings.NON_FIELD_ERRORS_KEY: raw}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): value
        for key, value in raw.items()
    }


def _summary(errors: dict[str, Any]) -> str:
    general = errors.get(api_settings.NON_FIELD_ERRORS_KEY)
    if general:
        return " ".join(str(message) for message in general)
    return _("Some fields are not valid: see “errors”.")


def _code_of(exc: exceptions.APIException) -> str:
    code = getattr(exc.detail, "code", None)
    return code if isinstance(code, str) else str(exc.default_code)


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """The envelope of an API exception (see the module's docstring)."""
    if isinstance(exc, ApiError):
        body: dict[str, Any] = {"detail": str(exc.detail), "code": exc.code}
        if exc.errors is not None:
            body["errors"] = exc.errors
        return {**body, **exc.extra}
    if isinstance(exc, exceptions.ValidationError):
        errors = errors_of(exc)
        return {"detail": _summary(errors), "code": "invalid", "errors": errors}
    detail = exc.detail
    parts = detail.values() if isinstance(detail, dict) else detail
    # An APIException raised with a structure (not a ValidationError) is flattened to a sentence.
    sentence = " ".join(str(m) for m in parts) if isinstance(detail, dict | list) else str(detail)
    body = {"detail": sentence, "code": _code_of(exc)}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        body["retry_after"] = math.ceil(wait)
    return body


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error answer in the envelope.

    Django's ValidationError (services) becomes a 400 with `errors`; Http404 a 404 that names
    nothing (not the model it looked in); Django's PermissionDenied a 403 that keeps its reason.
    Anything else unexpected is left to Django (a 500), as DRF does.
    """
    if isinstance(exc, DjangoValidationError):
        exc = ApiError.invalid(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        reason = str(exc.args[0]) if exc.args and exc.args[0] else None
        exc = exceptions.PermissionDenied(reason)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    response.data = error_body(exc)
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response


# The schema ------------------------------------------------------------------------------------


class ApiErrorOutput(serializers.Serializer):
    """The error envelope. A serializer that extends it (subclass, adding the endpoint's own
    keys) is documented as allOf this component and its own keys."""

    extensions: ClassVar[dict[str, type[serializers.Serializer]]] = {}

    class Meta:
        ref_name = COMPONENT

    detail = serializers.CharField(help_text="What went wrong, as a sentence for people")
    code = serializers.CharField(
        help_text="Stable machine code: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, conflict, "
        "version_conflict, throttled, ..."
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="With code throttled: seconds to wait"
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields: dict[str, serializers.Field] = dict(super().get_fields())
        # Added here, not declared: a declared `errors` would hide Serializer.errors from
        # type checkers (DRF's metaclass takes declared fields off the class at run time).
        fields["errors"] = serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text="Validation errors only: a list of messages per field (an object of them "
            "for a nested field); non_field_errors for the request as a whole",
        )
        return fields

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # An inherited Meta would name the extension's component "ApiError" too.
        ref_name = getattr(cls.__dict__.get("Meta"), "ref_name", None)
        if not ref_name:
            raise TypeError(f"{cls.__name__} extends the error envelope: give it a Meta.ref_name")
        ApiErrorOutput.extensions[ref_name] = cls


class ErrorSchema(AutoSchema):
    """drf-spectacular's AutoSchema, adding the error envelope to every operation's answers."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in DOCUMENTED_ERRORS.items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorOutput, description=description),
                    str(code),
                    direction=direction,
                )
        return bodies


def postprocess_error_extensions(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: a component of a serializer that extends
    ApiErrorOutput becomes allOf [ApiError, its own keys], so the envelope is one component."""
    schemas: dict[str, Any] = result.get("components", {}).get("schemas", {})
    base = schemas.get(COMPONENT)
    if base is None:
        return result
    common = set(base.get("properties", {}))
    for name in ApiErrorOutput.extensions:
        schema = schemas.get(name)
        if schema is None or "allOf" in schema:
            continue
        own = {k: v for k, v in schema.get("properties", {}).items() if k not in common}
        required = [k for k in schema.get("required", []) if k in own]
        extension: dict[str, Any] = {"type": "object", "properties": own}
        if required:
            extension["required"] = required
        schemas[name] = {
            "allOf": [{"$ref": f"#/components/schemas/{COMPONENT}"}, extension],
            **({"description": schema["description"]} if "description" in schema else {}),
        }
    return result
