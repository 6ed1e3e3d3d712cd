"""Work item API for people: list and read what you may work on, and act on it.

Thin views over `engine.services` (which check who may do what: `engine.access`) and
`engine.selectors` (which apply the same rule to reads). A non-staff user reading an item that is
not theirs gets 404; acting on it gets 403 (from the services).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PageNumberPagination, paginated_response
from engine import selectors, services
from engine.models import WorkItem
from engine.serializers import JSONObjectField, WorkItemOutputSerializer, error_responses

ACTION_ERRORS = error_responses(400, 403, 404, 409)


def work_item_response(item_id: Any, status_code: int = status.HTTP_200_OK) -> Response:
    item = selectors.work_item_get_for_output(item_id=item_id)
    return Response(WorkItemOutputSerializer(item, context={}).data, status=status_code)


class WorkItemCollectionApi(APIView):
    pagination_class = PageNumberPagination

    class WorkItemFilterSerializer(serializers.Serializer):
        state = serializers.CharField(required=False, help_text="a state, or several separated by commas")
        case = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)  # a database integer
        task = serializers.CharField(required=False)
        mine = serializers.BooleanField(required=False, default=False, help_text="claimed by me")
        available = serializers.BooleanField(
            required=False, default=False, help_text="unclaimed manual items waiting to be claimed that I may take"
        )
        follow_up = serializers.ChoiceField(
            choices=["due", "later"],
            required=False,
            help_text="due: no follow-up date or one that has come; later: a follow-up date still ahead",
        )

        def validate_state(self, value: str) -> list[str]:
            states = [s.strip() for s in value.split(",") if s.strip()]
            unknown = [s for s in states if s not in WorkItem.State.values]
            if unknown:
                raise serializers.ValidationError(f"unknown state(s): {', '.join(unknown)}")
            return states

    @extend_schema(
        operation_id="work_items_list",
        summary="Work items (staff: all; others: those offered to them or claimed by them)",
        parameters=[WorkItemFilterSerializer],
        responses={200: WorkItemOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        filters = self.WorkItemFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = selectors.work_item_list(
            user=request.user,
            states=f.get("state"),
            case_id=f.get("case"),
            task=f.get("task"),
            mine=f["mine"],
            available=f["available"],
            follow_up=f.get("follow_up"),
        )
        return paginated_response(view=self, request=request, queryset=qs, serializer_class=WorkItemOutputSerializer)


class WorkItemDetailApi(APIView):
    @extend_schema(operation_id="work_items_get", responses={200: WorkItemOutputSerializer, **error_responses(404)})
    def get(self, request: Request, item_id: UUID) -> Response:
        item = selectors.work_item_get(item_id=item_id, user=request.user)
        return Response(WorkItemOutputSerializer(item, context={}).data)


class WorkItemClaimApi(APIView):
    @extend_schema(
        operation_id="work_items_claim",
        summary="Claim an offered work item",
        request=None,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        services.work_item_claim(item_id=item_id, user=request.user)
        return work_item_response(item_id)


class WorkItemReleaseApi(APIView):
    @extend_schema(
        operation_id="work_items_release",
        summary="Give a claimed (not started) work item back",
        request=None,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        services.work_item_release(item_id=item_id, user=request.user)
        return work_item_response(item_id)


class WorkItemStartApi(APIView):
    @extend_schema(
        operation_id="work_items_start",
        summary="Start working on a work item",
        request=None,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        services.work_item_start(item_id=item_id, user=request.user)
        return work_item_response(item_id)


class WorkItemCompleteApi(APIView):
    class WorkItemCompleteInputSerializer(serializers.Serializer):
        output = JSONObjectField(required=False, default=dict, help_text="checked against the task's form")

    @extend_schema(
        operation_id="work_items_complete",
        summary="Complete a work item with its output (an initialized item is started first)",
        request=WorkItemCompleteInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemCompleteInputSerializer, request)
        services.work_item_complete(item_id=item_id, user=request.user, output=body["output"])
        return work_item_response(item_id)


class WorkItemFailApi(APIView):
    class WorkItemFailInputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="work_items_fail",
        summary="Report that a work item cannot be done (the task's on_failure policy applies)",
        request=WorkItemFailInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemFailInputSerializer, request)
        services.work_item_fail(item_id=item_id, user=request.user, error=body["reason"] or None)
        return work_item_response(item_id)


class WorkItemRetryApi(APIView):
    class WorkItemRetryInputSerializer(serializers.Serializer):
        input = JSONObjectField(required=False, help_text="a new input for the next attempt (default: the same)")

    @extend_schema(
        operation_id="work_items_retry",
        summary="Retry a failed work item (staff)",
        request=WorkItemRetryInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemRetryInputSerializer, request)
        services.work_item_retry(item_id=item_id, user=request.user, new_input=body.get("input"))
        return work_item_response(item_id)


class WorkItemSkipApi(APIView):
    class WorkItemSkipInputSerializer(serializers.Serializer):
        output = JSONObjectField(required=False, default=dict, help_text="the output to complete it with")

    @extend_schema(
        operation_id="work_items_skip",
        summary="Complete a live or failed work item in its worker's place (staff)",
        request=WorkItemSkipInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemSkipInputSerializer, request)
        services.work_item_skip(item_id=item_id, user=request.user, output=body["output"])
        return work_item_response(item_id)


class WorkItemDelegateApi(APIView):
    class WorkItemDelegateInputSerializer(serializers.Serializer):
        user = serializers.CharField(help_text="the username of the new assignee")

    @extend_schema(
        operation_id="work_items_delegate",
        summary="Hand a work item to another user (addition to API v1)",
        request=WorkItemDelegateInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemDelegateInputSerializer, request)
        services.work_item_delegate(item_id=item_id, user=request.user, to_username=body["user"])
        return work_item_response(item_id)


class WorkItemFollowUpApi(APIView):
    class WorkItemFollowUpInputSerializer(serializers.Serializer):
        follow_up = serializers.DateTimeField(
            allow_null=True, help_text="when to see the item again (ISO 8601 with a time zone), or null to clear it"
        )

    @extend_schema(
        operation_id="work_items_follow_up",
        summary="Set or clear a work item's follow-up date (its assignee, or staff; addition to API v1)",
        request=WorkItemFollowUpInputSerializer,
        responses={200: WorkItemOutputSerializer, **ACTION_ERRORS},
    )
    def post(self, request: Request, item_id: UUID) -> Response:
        body = _valid(self.WorkItemFollowUpInputSerializer, request)
        services.work_item_set_follow_up(item_id=item_id, user=request.user, follow_up=body["follow_up"])
        return work_item_response(item_id)


class StartableDefinitionListApi(APIView):
    class StartableDefinitionOutputSerializer(serializers.Serializer):
        name = serializers.CharField(source="definition.name")
        title = serializers.SerializerMethodField()
        description = serializers.SerializerMethodField()
        version = serializers.IntegerField()
        data_schema = serializers.SerializerMethodField()

        def get_title(self, obj: Any) -> str:
            return obj.net.get("title") or obj.definition.title or obj.definition.name

        def get_description(self, obj: Any) -> str:
            return obj.net.get("description") or ""

        @extend_schema_field({"type": "object", "nullable": True, "description": "the start form (JSON Schema)"})
        def get_data_schema(self, obj: Any) -> dict[str, Any] | None:
            return obj.net.get("data_schema")

    @extend_schema(
        operation_id="startable_definitions_list",
        summary="The definitions the user may start a case of (latest published version; addition to API v1)",
        responses={200: StartableDefinitionOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        versions = selectors.startable_definitions(user=request.user)
        return Response(self.StartableDefinitionOutputSerializer(versions, many=True).data)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)
