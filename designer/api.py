"""Definition API (staff only): drafts, validation, publishing, versions, export and import.

Thin views over `definitions.services` (writes) and `definitions.selectors` (reads). Net documents
travel as raw JSON (the net format, docs/net-format.md): the services validate them and answer with
every problem and the id of the element at fault.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAdminUser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PageNumberPagination, paginated_response
from definitions import selectors, services
from engine.core.errors import NotAllowed
from engine.core.expr import ExpressionError, compile_expr
from engine.core.limits import LIMITS
from engine.serializers import ActivityOutputSerializer, error_responses

NET_BODY = OpenApiTypes.OBJECT  # a net document (docs/net-format.md); validated by the services


class ProblemOutputSerializer(serializers.Serializer):
    element = serializers.CharField(allow_null=True, help_text='condition/task id, "<from>-><to>" for a flow, or null')
    message = serializers.CharField()
    path = serializers.CharField(help_text="JSON pointer into the document")


class ValidationOutputSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = ProblemOutputSerializer(many=True)
    warnings = ProblemOutputSerializer(many=True)


class DefinitionSummaryOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.SerializerMethodField()
    latest_version = serializers.IntegerField(allow_null=True, help_text="the newest published version, or null")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_description(self, obj: Any) -> str:
        return str((obj.draft or {}).get("description") or "") if isinstance(obj.draft, dict) else ""


class VersionSummaryOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(
        source="published_by.username", allow_null=True, default=None, help_text="who published it"
    )
    comment = serializers.CharField(help_text="what changed, as the publisher wrote it (may be empty)")


class DefinitionOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    draft = serializers.DictField(help_text="the draft net document")
    versions = VersionSummaryOutputSerializer(many=True, source="version_list")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PublishInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="what changed (kept on the version)"
    )


class PublishOutputSerializer(serializers.Serializer):
    name = serializers.CharField(source="definition.name")
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    comment = serializers.CharField()


def definition_response(name: str, status_code: int = status.HTTP_200_OK) -> Response:
    definition = selectors.definition_get(name=name)
    return Response(DefinitionOutputSerializer(definition).data, status=status_code)


class StaffApi(APIView):
    permission_classes = [IsAdminUser]


class DefinitionCollectionApi(StaffApi):
    """GET: the definitions. POST: create a new draft."""

    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="definitions_list",
        summary="Definitions (drafts) with their latest published version",
        responses={200: DefinitionSummaryOutputSerializer(many=True), **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            view=self,
            request=request,
            queryset=selectors.definition_list(),
            serializer_class=DefinitionSummaryOutputSerializer,
        )

    @extend_schema(
        operation_id="definitions_create",
        summary="Create a draft from a net document (409 if the name is taken; see import to overwrite)",
        request=NET_BODY,
        responses={201: DefinitionOutputSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        doc = request.data
        name = doc.get("name") if isinstance(doc, dict) else None
        if isinstance(name, str) and selectors.definition_exists(name=name):
            raise NotAllowed(
                f"a definition named {name!r} exists; save its draft with PUT or use import", code="exists"
            )
        definition = services.definition_save_draft(doc=doc, user=request.user)
        return definition_response(definition.name, status.HTTP_201_CREATED)


class DefinitionImportApi(StaffApi):
    @extend_schema(
        operation_id="definitions_import",
        summary="Import a net document: create the definition, or overwrite its draft (addition to API v1)",
        description="Like create, but an existing definition's draft is replaced: 201 when created, 200 when replaced.",
        request=NET_BODY,
        responses={201: DefinitionOutputSerializer, 200: DefinitionOutputSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        doc = request.data
        name = doc.get("name") if isinstance(doc, dict) else None
        existed = isinstance(name, str) and selectors.definition_exists(name=name)
        definition = services.definition_save_draft(doc=doc, user=request.user)
        return definition_response(definition.name, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class DefinitionValidateApi(StaffApi):
    @extend_schema(
        operation_id="definitions_validate",
        summary="Validate a net document (always 200 for a JSON body)",
        request=NET_BODY,
        responses={200: ValidationOutputSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        result = services.definition_validate(doc=request.data)
        return Response(ValidationOutputSerializer(result.as_dict()).data)


class DefinitionDetailApi(StaffApi):
    @extend_schema(
        operation_id="definitions_get",
        responses={200: DefinitionOutputSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, name: str) -> Response:
        return definition_response(name)

    @extend_schema(
        operation_id="definitions_save_draft",
        summary="Save the draft of an existing definition (the net's name must match or be absent)",
        request=NET_BODY,
        responses={200: DefinitionOutputSerializer, **error_responses(400, 403, 404)},
    )
    def put(self, request: Request, name: str) -> Response:
        selectors.definition_get(name=name)  # 404 for an unknown name: create with POST
        services.definition_save_draft(doc=request.data, user=request.user, name=name)
        return definition_response(name)


class DefinitionPublishApi(StaffApi):
    @extend_schema(
        operation_id="definitions_publish",
        summary="Publish the draft as the next version (400 with every error if it is invalid)",
        description='The body is optional: `{"comment": "what changed"}` is kept on the version.',
        request=PublishInputSerializer,
        responses={201: PublishOutputSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request: Request, name: str) -> Response:
        body = PublishInputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        version = services.definition_publish(name=name, user=request.user, comment=body.validated_data["comment"])
        return Response(PublishOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class DefinitionVersionApi(StaffApi):
    @extend_schema(
        operation_id="definitions_version_get",
        summary="A published version's frozen net document",
        responses={200: OpenApiResponse(NET_BODY, description="the net document"), **error_responses(403, 404)},
    )
    def get(self, request: Request, name: str, version: int) -> Response:
        return Response(selectors.definition_version_get(name=name, version=version).net)


class AlwaysJSON(BaseContentNegotiation):
    """A download is JSON whatever the client's Accept header says."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: list[Any], format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


class DefinitionExportApi(StaffApi):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON

    @extend_schema(
        operation_id="definitions_export",
        summary="The draft as a JSON file download (addition to API v1)",
        responses={
            200: OpenApiResponse(NET_BODY, description="the draft net document (attachment <name>.json)"),
            **error_responses(403, 404),
        },
    )
    def get(self, request: Request, name: str) -> Response:
        definition = selectors.definition_get(name=name)
        response = Response(definition.draft)
        response["Content-Disposition"] = f'attachment; filename="{definition.name}.json"'
        return response


# ---------------------------------------------------------------------- activities


class ActivityListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="activities_list",
        summary="The registered activities (what automatic tasks may call)",
        responses=ActivityOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            view=self, request=request, queryset=selectors.activity_list(), serializer_class=ActivityOutputSerializer
        )


# ---------------------------------------------------------------------- groups


class GroupOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    members = serializers.IntegerField(help_text="how many users are in the group")


class GroupListApi(StaffApi):
    """The user groups a designer may name as roles (`assign.role`, `start_roles`)."""

    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="groups_list",
        summary="The user groups (staff only): the roles a workflow may offer work or starting to",
        responses={200: GroupOutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        groups = Group.objects.annotate(members=Count("user")).order_by("name")
        return paginated_response(view=self, request=request, queryset=groups, serializer_class=GroupOutputSerializer)


# ---------------------------------------------------------------------- expressions


class _TextField(serializers.CharField):
    """Text only: a number or a boolean is refused, not turned into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class ExpressionCheckInputSerializer(serializers.Serializer):
    expression = _TextField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="a CEL expression; at most WORKFLOW_CEL_MAX_LENGTH characters (docs/limits.md)",
    )

    def validate_expression(self, value: str) -> str:
        if len(value) > LIMITS.cel_max_length:
            raise serializers.ValidationError(
                f"the expression is {len(value)} characters long; at most {LIMITS.cel_max_length} are allowed"
            )
        return value


class ExpressionCheckOutputSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    error = serializers.CharField(
        allow_null=True, help_text="the engine's compile error (first line), or null; the designer words it"
    )
    column = serializers.IntegerField(
        allow_null=True, help_text="1-based character where the parser stopped, when it says so"
    )


_PARSER_AT = re.compile(r"<input>:\d+:(\d+):")


class ExpressionCheckApi(StaffApi):
    """Whether one CEL expression compiles, as the publish check will see it (ADR 0086)."""

    @extend_schema(
        operation_id="designer_check_expression",
        summary="Check one CEL expression as the publish check does (designer, staff only)",
        description=(
            "Compiles the expression with the engine's CEL compiler, never evaluates it. 200 for any "
            "text: `valid` false with the compile error and its column when it does not parse; 400 "
            "when `expression` is missing, not text, or longer than the CEL length limit."
        ),
        request=ExpressionCheckInputSerializer,
        responses={200: ExpressionCheckOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        body = ExpressionCheckInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        source: str = body.validated_data["expression"]
        out: dict[str, Any] = {"valid": True, "error": None, "column": None}
        if not source.strip():
            out.update(valid=False, error="the expression is empty")
            return Response(out)
        try:
            compile_expr(source)
        except ExpressionError as exc:
            at = _PARSER_AT.search(exc.message)  # the parser's column is 1-based already
            out.update(valid=False, error=exc.message, column=int(at.group(1)) if at else None)
        return Response(out)
