"""Case API: start, list, inspect and operate cases.

Thin views over `engine.services` (writes, which also make the permission checks) and
`engine.selectors` (reads, which apply visibility). Each action has its own view method with its
own input serializer; the representations are in `engine.serializers`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PageNumberPagination, paginated_response
from engine import selectors, services
from engine.models import Case
from engine.serializers import (
    CaseOutputSerializer,
    EventOutputSerializer,
    JSONObjectField,
    WorkItemOutputSerializer,
    error_responses,
)


def case_response(case_id: int, user: Any, status_code: int = status.HTTP_200_OK) -> Response:
    case = selectors.case_get(case_id=case_id, user=user)
    return Response(CaseOutputSerializer(case, context={}).data, status=status_code)


# ---------------------------------------------------------------------- cases


class CaseCollectionApi(APIView):
    """GET: list the cases the user may see. POST: start a case."""

    pagination_class = PageNumberPagination

    class CaseFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=Case.State.choices, required=False)
        definition = serializers.CharField(required=False)
        business_key = serializers.CharField(
            required=False, max_length=services.BUSINESS_KEY_MAX, help_text="exactly this business key (ADR 0082)"
        )

    class CaseStartInputSerializer(serializers.Serializer):
        definition = serializers.CharField()
        version = serializers.IntegerField(
            min_value=1,
            max_value=2**31 - 1,
            required=False,
            allow_null=True,
            help_text="default: the latest published version",
        )
        data = JSONObjectField(required=False, help_text="the case data (checked against the net's data_schema)")
        business_key = serializers.CharField(
            required=False,
            allow_null=True,
            allow_blank=True,
            trim_whitespace=False,  # the service trims, and refuses a key of spaces only
            max_length=services.BUSINESS_KEY_MAX,
            help_text="optional: the caller's name for the case (an order number, a claim id); unique among "
            "the cases of the definition: a second start with the same key answers 409 (ADR 0082)",
        )

    @extend_schema(
        operation_id="cases_list",
        summary="Cases (staff: all; others: started by them or with a work item of theirs)",
        parameters=[CaseFilterSerializer],
        responses={200: CaseOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        filters = self.CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.case_list(user=request.user, **filters.validated_data)
        return paginated_response(view=self, request=request, queryset=qs, serializer_class=CaseOutputSerializer)

    @extend_schema(
        operation_id="cases_start",
        summary="Start a case of a published definition",
        request=CaseStartInputSerializer,
        responses={201: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        body = self.CaseStartInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_start(
            definition=body.validated_data["definition"],
            version=body.validated_data.get("version"),
            data=body.validated_data.get("data"),
            user=request.user,
            business_key=body.validated_data.get("business_key"),
        )
        return case_response(case.pk, request.user, status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(operation_id="cases_get", responses={200: CaseOutputSerializer, **error_responses(404)})
    def get(self, request: Request, case_id: int) -> Response:
        return case_response(case_id, request.user)


class CaseCancelApi(APIView):
    class CaseCancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="cases_cancel",
        summary="Cancel a running or suspended case (staff)",
        request=CaseCancelInputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = self.CaseCancelInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_cancel(case_id=case_id, user=request.user, reason=body.validated_data["reason"])
        return case_response(case_id, request.user)


class CaseSuspendApi(APIView):
    @extend_schema(
        operation_id="cases_suspend",
        summary="Suspend a running case (staff)",
        request=None,
        responses={200: CaseOutputSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request: Request, case_id: int) -> Response:
        services.case_suspend(case_id=case_id, user=request.user)
        return case_response(case_id, request.user)


class CaseResumeApi(APIView):
    @extend_schema(
        operation_id="cases_resume",
        summary="Resume a suspended case (staff)",
        request=None,
        responses={200: CaseOutputSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request: Request, case_id: int) -> Response:
        services.case_resume(case_id=case_id, user=request.user)
        return case_response(case_id, request.user)


class CaseDataUpdateApi(APIView):
    class CaseDataInputSerializer(serializers.Serializer):
        data = JSONObjectField(help_text="keys to set; merged into the case data, then checked against data_schema")

    @extend_schema(
        operation_id="cases_update_data",
        summary="Merge changes into a case's data (staff); addition to API v1",
        request=CaseDataInputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, case_id: int) -> Response:
        body = self.CaseDataInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_update_data(case_id=case_id, changes=body.validated_data["data"], user=request.user)
        return case_response(case_id, request.user)


class CaseSignalApi(APIView):
    class CaseSignalInputSerializer(serializers.Serializer):
        payload = JSONObjectField(required=False)

    @extend_schema(
        operation_id="cases_signal",
        summary="Send one of the net's signals to a case (staff or the case's starter)",
        description=(
            "The payload is checked against the signal's `schema` (400), written into the case data "
            "by the signal's `output` mapping, and completes every signal task waiting for it. When none "
            "waits, the signal is kept until one does (persistent, the default) or dropped (declared "
            '`"persistent": false`). 404: no such case or the net declares no such signal; 409: the '
            "case is not running. See docs/engine-semantics.md section 13."
        ),
        request=CaseSignalInputSerializer,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, case_id: int, name: str) -> Response:
        selectors.case_get(case_id=case_id, user=request.user)  # 404 first when invisible
        body = self.CaseSignalInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.case_signal(
            case_id=case_id, name=name, payload=body.validated_data.get("payload") or {}, user=request.user
        )
        return case_response(case_id, request.user)


class CaseQueryApi(APIView):
    @extend_schema(
        operation_id="cases_query",
        summary="Run one of the net's queries on the case",
        responses={
            200: inline_serializer("QueryResultOutput", fields={"result": serializers.JSONField(allow_null=True)}),
            **error_responses(404, 409),
        },
    )
    def get(self, request: Request, case_id: int, name: str) -> Response:
        case = selectors.case_get(case_id=case_id, user=request.user)
        return Response({"result": selectors.case_query(case=case, name=name)})


class CaseEventListApi(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="cases_events",
        summary="The case's history, oldest first",
        responses={200: EventOutputSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get(case_id=case_id, user=request.user)
        return paginated_response(
            view=self,
            request=request,
            queryset=selectors.case_events(case=case),
            serializer_class=EventOutputSerializer,
        )


class CaseNetApi(APIView):
    @extend_schema(
        operation_id="cases_net",
        summary="The net the case runs on (its definition's version), for whoever may see the case "
        "(the inbox draws it; addition to API v1)",
        responses={
            200: inline_serializer(
                "CaseNetOutput",
                {
                    "definition": serializers.CharField(),
                    "version": serializers.IntegerField(),
                    "net": serializers.DictField(help_text="the net document (docs/net-format.md)"),
                },
            ),
            **error_responses(404),
        },
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get(case_id=case_id, user=request.user)
        version = case.version
        return Response({"definition": case.definition_name, "version": version.version, "net": version.net})


class CaseWorkItemAddApi(APIView):
    class WorkItemAddInputSerializer(serializers.Serializer):
        input = JSONObjectField(required=False, default=dict)

    @extend_schema(
        operation_id="cases_add_work_item",
        summary="Add a work item to a running task whose instances are created dynamically (staff)",
        request=WorkItemAddInputSerializer,
        responses={201: WorkItemOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, case_id: int, task_id: str) -> Response:
        body = self.WorkItemAddInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.work_item_add(
            case_id=case_id, task_id=task_id, item_input=body.validated_data["input"], user=request.user
        )
        item = selectors.work_item_get_for_output(item_id=item.pk)
        return Response(WorkItemOutputSerializer(item, context={}).data, status=status.HTTP_201_CREATED)


class CaseTaskCompleteApi(APIView):
    @extend_schema(
        operation_id="cases_complete_task",
        summary="Force-complete a running multi-instance task (staff; WCP-27)",
        description=(
            "The task's remaining work items are withdrawn, the task ends `completed` and its "
            "`output` mapping runs over the instances that did complete; the case moves on. "
            "409 when the task is not a running multi-instance task."
        ),
        request=None,
        responses={200: CaseOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, case_id: int, task_id: str) -> Response:
        services.task_complete(case_id=case_id, task_id=task_id, user=request.user)
        return case_response(case_id, request.user)
