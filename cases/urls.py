"""Case API URLs (mounted under /api/ by config/urls.py)."""

from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseCollectionApi.as_view(), name="cases"),
    path("cases/<int:case_id>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<int:case_id>/cancel/", api.CaseCancelApi.as_view(), name="case-cancel"),
    path("cases/<int:case_id>/suspend/", api.CaseSuspendApi.as_view(), name="case-suspend"),
    path("cases/<int:case_id>/resume/", api.CaseResumeApi.as_view(), name="case-resume"),
    path("cases/<int:case_id>/data/", api.CaseDataUpdateApi.as_view(), name="case-data"),
    path("cases/<int:case_id>/signals/<str:name>/", api.CaseSignalApi.as_view(), name="case-signal"),
    path("cases/<int:case_id>/queries/<str:name>/", api.CaseQueryApi.as_view(), name="case-query"),
    path("cases/<int:case_id>/events/", api.CaseEventListApi.as_view(), name="case-events"),
    path("cases/<int:case_id>/net/", api.CaseNetApi.as_view(), name="case-net"),
    path(
        "cases/<int:case_id>/tasks/<str:task_id>/work-items/",
        api.CaseWorkItemAddApi.as_view(),
        name="case-task-work-items",
    ),
    path(
        "cases/<int:case_id>/tasks/<str:task_id>/complete/",
        api.CaseTaskCompleteApi.as_view(),
        name="case-task-complete",
    ),
]
