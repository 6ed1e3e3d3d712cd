"""Operations dashboard API (staff only), under /api/dashboard/.

Reads: overview, case list, case page (with the state at a past moment), definition pages.
Writes: batch jobs. The single-case actions (cancel, suspend, resume, data, signals, retry,
skip, add a work item) are the engine's and inbox's endpoints, which the dashboard calls: they
are staff-only where the dashboard needs them and write the history with the acting user.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.pagination import PageNumberPagination, paginated_response
from dashboard import selectors, services
from dashboard.access import IsStaff
from engine import services as engine_services
from engine.core import rules
from engine.core.errors import NotFound
from engine.models import BatchJob, Case
from engine.serializers import EventOutputSerializer, JSONObjectField, TaskRunOutputSerializer, error_responses

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (`SELECT COUNT(*) FROM (... LIMIT n)`): a filter that
    matches 100,000 cases does not pay for counting them all on every page."""

    @cached_property
    def count(self) -> int:
        # no ORDER BY and no row annotations in the count: only which rows match matters
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()


class CappedPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        capped = self.page.paginator.count > COUNT_CAP
        response.data["count_capped"] = capped
        if capped:
            response.data["count"] = COUNT_CAP
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count_capped"] = {"type": "boolean", "description": f"more than {COUNT_CAP} match"}
        return out


class StaffApi(APIView):
    permission_classes = [IsStaff]


# ---------------------------------------------------------------------- filters


class CaseListFilterSerializer(serializers.Serializer):
    definition = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="needs definition")
    state = serializers.CharField(required=False, help_text="a state, or several separated by commas")
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    ended_after = serializers.DateTimeField(required=False)
    ended_before = serializers.DateTimeField(required=False)
    where = serializers.CharField(
        required=False,
        max_length=1000,
        help_text='a filter on the case data, e.g. data.customer == "ACME" && data.amount >= 100 (ADR 0042)',
    )
    incident = serializers.ChoiceField(
        choices=["true", "false"], required=False, help_text="true: deadlocked, or active with a failed work item"
    )
    parent = serializers.IntegerField(required=False, min_value=1)
    find = serializers.CharField(
        required=False,
        max_length=engine_services.BUSINESS_KEY_MAX,
        help_text="a case id (42 or #42) or a business key, exactly (ADR 0082)",
    )
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="-id")

    def validate_state(self, value: str) -> list[str]:
        states = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in states if s not in Case.State.values]
        if unknown:
            raise serializers.ValidationError(f"unknown state(s): {', '.join(unknown)}")
        return states

    def selector_kwargs(self) -> dict[str, Any]:
        f = dict(self.validated_data)
        out: dict[str, Any] = {
            "definition": f.get("definition"),
            "version": f.get("version"),
            "states": f.get("state"),
            "created_after": f.get("created_after"),
            "created_before": f.get("created_before"),
            "ended_after": f.get("ended_after"),
            "ended_before": f.get("ended_before"),
            "where_text": f.get("where"),
            "parent": f.get("parent"),
            "find": f.get("find"),
            "sort": f.get("sort", "-id"),
            "incident": {"true": True, "false": False}.get(f.get("incident", "")),
        }
        return {k: v for k, v in out.items() if v is not None}


# ---------------------------------------------------------------------- output


class CaseRowOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    definition = serializers.CharField(source="definition_name")
    version = serializers.IntegerField(source="version_number")
    state = serializers.ChoiceField(choices=Case.State.choices)
    incident = serializers.SerializerMethodField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    reason = serializers.CharField()
    data = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    business_key = serializers.CharField(allow_null=True)
    started_by = serializers.CharField(source="started_by_name", allow_null=True)
    open_items = serializers.IntegerField(help_text="work items initialized or started")

    def get_incident(self, obj: Any) -> bool:
        return rules.case_has_incident(status=obj.state, has_failed_item=bool(obj.has_failed_item))


class DashboardWorkItemOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    task = serializers.CharField()
    generation = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    input = serializers.JSONField(allow_null=True)
    output = serializers.JSONField(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    offered_user = serializers.CharField(allow_null=True)
    completed_by = serializers.CharField(allow_null=True)
    attempt = serializers.IntegerField()
    iteration = serializers.IntegerField(help_text="its place in a chain of next_iteration runs (1 first)")
    error = serializers.JSONField(allow_null=True, help_text="{type, message, traceback?}")
    priority = serializers.IntegerField()
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CaseLinkOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    definition = serializers.CharField()
    state = serializers.CharField()
    work_item = serializers.UUIDField(allow_null=True, help_text="the composite work item that links the two")
    task = serializers.CharField(allow_null=True)


class PastStateOutputSerializer(serializers.Serializer):
    at = serializers.CharField(help_text="as asked: an event id or a time")
    event = serializers.IntegerField(allow_null=True, help_text="the last event folded")
    time = serializers.DateTimeField(allow_null=True)
    events = serializers.IntegerField(help_text="how many events were folded")
    state = serializers.CharField(allow_null=True, help_text="the case's state then (null: before it started)")
    marking = serializers.DictField(child=serializers.IntegerField())
    tasks = serializers.DictField(child=TaskRunOutputSerializer())
    data = serializers.DictField()
    work_items = serializers.DictField(
        child=serializers.DictField(), help_text="id → {task, generation, state, attempt, assignee}"
    )


class CompletableTaskOutputSerializer(serializers.Serializer):
    task = serializers.CharField()
    completed = serializers.IntegerField(help_text="instances completed so far (the output mapping runs over them)")
    withdraw = serializers.IntegerField(help_text="instances still open: withdrawn when the task is completed")


class AllowedActionsOutputSerializer(serializers.Serializer):
    cancel = serializers.BooleanField()
    suspend = serializers.BooleanField()
    resume = serializers.BooleanField()
    edit_data = serializers.BooleanField()
    signals = serializers.ListField(child=serializers.CharField(), help_text="the net's signals, while running")
    retry = serializers.ListField(child=serializers.UUIDField(), help_text="work items that can be retried")
    skip = serializers.ListField(child=serializers.UUIDField(), help_text="work items that can be skipped")
    add_work_item = serializers.ListField(child=serializers.CharField(), help_text="dynamic tasks open to more items")
    complete_task = CompletableTaskOutputSerializer(
        many=True, help_text="running multi-instance tasks that may be force-completed now (WCP-27)"
    )


class CasePageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.id")
    definition = serializers.CharField(source="case.definition_name")
    version = serializers.IntegerField(source="case.version.version")
    state = serializers.CharField(source="case.state")
    incident = serializers.BooleanField()
    reason = serializers.CharField(source="case.reason")
    business_key = serializers.CharField(source="case.business_key", allow_null=True)
    started_by = serializers.CharField(source="case.started_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField(source="case.created_at")
    updated_at = serializers.DateTimeField(source="case.updated_at")
    ended_at = serializers.DateTimeField(source="case.ended_at", allow_null=True)
    data = serializers.DictField(source="case.data")
    marking = serializers.DictField(source="case.marking", child=serializers.IntegerField())
    tasks = serializers.DictField(source="case.tasks", child=TaskRunOutputSerializer())
    net = serializers.DictField(help_text="the net of the case's version")
    work_items = DashboardWorkItemOutputSerializer(many=True, help_text="all of them, oldest first")
    parent = CaseLinkOutputSerializer(allow_null=True)
    children = CaseLinkOutputSerializer(many=True)
    history = EventOutputSerializer(many=True, help_text="oldest first; the latest 5,000")
    history_truncated = serializers.BooleanField()
    actions = AllowedActionsOutputSerializer(help_text="what the page may offer now (the engine checks again)")
    past = PastStateOutputSerializer(required=False, help_text="with ?at=: the state at that moment")

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        # The work items and events come from .values() with exactly the fields above; the
        # JSON renderer writes their UUIDs and times as the fields would. Serializing 2,000
        # events field by field would cost more than reading them (docs/performance.md).
        light = {**instance, "work_items": [], "history": []}
        data = super().to_representation(light)
        data["work_items"] = instance["work_items"]
        data["history"] = instance["history"]
        return data


class BatchJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    state = serializers.CharField()
    filters = serializers.DictField()
    params = serializers.DictField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class StateCountsOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField(), help_text="case state → count")


class DefinitionCountsOutputSerializer(StateCountsOutputSerializer):
    definition = serializers.CharField()


class CaseCountsOutputSerializer(StateCountsOutputSerializer):
    by_definition = DefinitionCountsOutputSerializer(many=True)


class FailedItemOutputSerializer(serializers.Serializer):
    work_item = serializers.UUIDField()
    case = serializers.IntegerField()
    definition = serializers.CharField()
    task = serializers.CharField()
    kind = serializers.CharField()
    attempt = serializers.IntegerField()
    error_type = serializers.CharField(allow_null=True)
    error_message = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField()


class DeadlockedCaseOutputSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    definition = serializers.CharField()
    reason = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)


class IncidentsOutputSerializer(serializers.Serializer):
    failed_work_items = serializers.IntegerField(help_text="failed items of running or suspended cases")
    failed_automatic_work_items = serializers.IntegerField()
    deadlocked_cases = serializers.IntegerField()
    latest_failed_work_items = FailedItemOutputSerializer(many=True)
    latest_deadlocked_cases = DeadlockedCaseOutputSerializer(many=True)


class OpenWorkItemsOutputSerializer(serializers.Serializer):
    definition = serializers.CharField()
    task = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    initialized = serializers.IntegerField()
    started = serializers.IntegerField()
    total = serializers.IntegerField()


class HourOutputSerializer(serializers.Serializer):
    hour = serializers.DateTimeField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()


class ThroughputOutputSerializer(serializers.Serializer):
    hours = serializers.IntegerField()
    buckets = HourOutputSerializer(many=True)


class DurationSummaryOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    avg_seconds = serializers.FloatField(allow_null=True)
    p50_seconds = serializers.FloatField(allow_null=True)
    p95_seconds = serializers.FloatField(allow_null=True)
    max_seconds = serializers.FloatField(allow_null=True)


class TaskDurationOutputSerializer(DurationSummaryOutputSerializer):
    definition = serializers.CharField()
    task = serializers.CharField()


class HistogramBucketOutputSerializer(serializers.Serializer):
    le_seconds = serializers.IntegerField(allow_null=True, help_text="upper bound; null: above the last")
    count = serializers.IntegerField()


class DurationsOutputSerializer(DurationSummaryOutputSerializer):
    since = serializers.DateTimeField()
    sampled = serializers.BooleanField(help_text="more completed items than were read")
    histogram = HistogramBucketOutputSerializer(many=True)
    by_task = TaskDurationOutputSerializer(many=True)


class OverviewOutputSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    cases = CaseCountsOutputSerializer()
    incidents = IncidentsOutputSerializer()
    open_work_items = OpenWorkItemsOutputSerializer(many=True)
    throughput = ThroughputOutputSerializer()
    durations = DurationsOutputSerializer()


class DefinitionRowOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    versions = serializers.IntegerField()
    latest_version = serializers.IntegerField(allow_null=True)
    cases = StateCountsOutputSerializer()


class VersionRowOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    cases = StateCountsOutputSerializer()


class HeatTaskOutputSerializer(serializers.Serializer):
    enabled = serializers.IntegerField(help_text="active cases where the task is enabled now")
    started = serializers.IntegerField(help_text="active cases where the task is started now")
    open_items = serializers.IntegerField()
    failed_items = serializers.IntegerField()
    count = serializers.IntegerField(help_text="completed work items measured")
    avg_seconds = serializers.FloatField(allow_null=True)
    p95_seconds = serializers.FloatField(allow_null=True)


class HeatConditionOutputSerializer(serializers.Serializer):
    tokens = serializers.IntegerField()
    cases = serializers.IntegerField()


class HeatmapOutputSerializer(serializers.Serializer):
    tasks = serializers.DictField(child=HeatTaskOutputSerializer())
    conditions = serializers.DictField(child=HeatConditionOutputSerializer())


class DefinitionPageOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    versions = VersionRowOutputSerializer(many=True)
    version = serializers.IntegerField(allow_null=True, help_text="the version shown")
    net = serializers.DictField(allow_null=True)
    heatmap = HeatmapOutputSerializer(allow_null=True)


AT_PARAMETER = OpenApiParameter(
    "at", str, description="an event id, or an ISO 8601 time: the state right after it", required=False
)


# ---------------------------------------------------------------------- views


class OverviewApi(StaffApi):
    class OverviewFilterSerializer(serializers.Serializer):
        hours = serializers.IntegerField(required=False, min_value=1, max_value=24 * 14, default=24)

    @extend_schema(
        operation_id="dashboard_overview",
        summary="Counts of cases, incidents, open work items, throughput per hour, work item durations",
        parameters=[OverviewFilterSerializer],
        responses={200: OverviewOutputSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        f = self.OverviewFilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        return Response(OverviewOutputSerializer(selectors.overview(hours=f.validated_data["hours"])).data)


class CaseListApi(StaffApi):
    pagination_class = CappedPagination

    @extend_schema(
        operation_id="dashboard_cases_list",
        summary="Cases with filters (definition, version, state, times, data, incident), sorted and paginated",
        parameters=[CaseListFilterSerializer],
        responses={200: CaseRowOutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        filters = CaseListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.case_list_rows(selectors.case_list(**filters.selector_kwargs()))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CaseRowOutputSerializer(page, many=True).data)


class CasePageApi(StaffApi):
    @extend_schema(
        operation_id="dashboard_case_get",
        summary="Everything the case page shows; with ?at= also the state at that moment",
        parameters=[AT_PARAMETER],
        responses={200: CasePageOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = selectors.case_get(case_id=case_id)
        page = selectors.case_page(case=case)
        page["incident"] = rules.case_has_incident(status=case.state, has_failed_item=bool(case.has_failed_item))
        at = request.query_params.get("at")
        if at:
            page["past"] = selectors.case_state_at(case=case, at=selectors.parse_at(at))
        return Response(CasePageOutputSerializer(page).data)


class CaseStateAtApi(StaffApi):
    @extend_schema(
        operation_id="dashboard_case_state_at",
        summary="The case's marking, task states, data and work item states right after an event (the scrubber)",
        parameters=[OpenApiParameter("at", str, required=True, description="an event id or an ISO 8601 time")],
        responses={200: PastStateOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, case_id: int) -> Response:
        at = request.query_params.get("at")
        if not at:
            raise serializers.ValidationError({"at": ["an event id or an ISO 8601 time is required"]})
        case = selectors.case_get(case_id=case_id)
        return Response(PastStateOutputSerializer(selectors.case_state_at(case=case, at=selectors.parse_at(at))).data)


class DefinitionListApi(StaffApi):
    @extend_schema(
        operation_id="dashboard_definitions_list",
        summary="Definitions with their version count and cases by state",
        responses={200: DefinitionRowOutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return Response(DefinitionRowOutputSerializer(selectors.definition_list(), many=True).data)


class DefinitionPageApi(StaffApi):
    class DefinitionPageFilterSerializer(serializers.Serializer):
        version = serializers.IntegerField(required=False, min_value=1, help_text="default: the latest")

    @extend_schema(
        operation_id="dashboard_definition_get",
        summary="Versions, cases per version, and the heatmap of one version (durations, where cases are now)",
        parameters=[DefinitionPageFilterSerializer],
        responses={200: DefinitionPageOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, name: str) -> Response:
        f = self.DefinitionPageFilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        page = selectors.definition_page(name=name, version=f.validated_data.get("version"))
        return Response(DefinitionPageOutputSerializer(page).data)


class BatchCollectionApi(StaffApi):
    pagination_class = PageNumberPagination  # the list is a page; the schema says so too

    class BatchCreateInputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=BatchJob.Action.choices)
        filters = JSONObjectField(required=False, default=dict, help_text="the case list's filters (same names)")
        reason = serializers.CharField(required=False, allow_blank=True, help_text="cancel: the reason recorded")
        task = serializers.CharField(required=False, help_text="retry: only the failed items of this task")

    @extend_schema(
        operation_id="dashboard_batches_create",
        summary="Cancel or retry over the cases a filter matches; 201 the finished job (inline) or 202 the "
        "queued job (WORKFLOW_RUNNER=celery); progress: GET it",
        request=BatchCreateInputSerializer,
        responses={201: BatchJobOutputSerializer, 202: BatchJobOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        body = self.BatchCreateInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        given = body.validated_data["filters"]
        unknown = sorted(set(given) - set(CaseListFilterSerializer().fields) - {"sort"})
        if unknown:  # a misspelt filter must not widen a batch to every case
            raise serializers.ValidationError({"filters": [f"unknown filter(s): {', '.join(unknown)}"]})
        filters = CaseListFilterSerializer(data={k: str(v) for k, v in given.items()})
        if not filters.is_valid():
            raise serializers.ValidationError({"filters": filters.errors})
        params = {k: body.validated_data[k] for k in ("reason", "task") if body.validated_data.get(k)}
        with transaction.atomic():
            job = services.batch_create(
                user=request.user,
                action=body.validated_data["action"],
                filters=filters.selector_kwargs(),
                params=params,
            )
        # committed: a poll from another request sees the job and its progress from now on
        job = engine_services.batch_start(job=job, user=request.user)
        code = status.HTTP_201_CREATED if job.state == BatchJob.State.DONE else status.HTTP_202_ACCEPTED
        return Response(BatchJobOutputSerializer(job).data, status=code)

    @extend_schema(
        operation_id="dashboard_batches_list",
        summary="Batch jobs, newest first, a page at a time",
        responses={200: BatchJobOutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            view=self,
            request=request,
            queryset=BatchJob.objects.select_related("created_by").order_by("-id"),
            serializer_class=BatchJobOutputSerializer,
        )


class BatchDetailApi(StaffApi):
    @extend_schema(
        operation_id="dashboard_batches_get",
        summary="One batch job: poll done/total for progress",
        responses={200: BatchJobOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, job_id: int) -> Response:
        job = BatchJob.objects.select_related("created_by").filter(pk=job_id).first()
        if job is None:
            raise NotFound(f"no batch job {job_id}")
        return Response(BatchJobOutputSerializer(job).data)
