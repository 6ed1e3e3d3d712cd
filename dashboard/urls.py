"""Dashboard API URLs (mounted under /api/dashboard/ by config/urls.py)."""

from django.urls import path

from dashboard import api

urlpatterns = [
    path("overview/", api.OverviewApi.as_view(), name="dashboard-overview"),
    path("cases/", api.CaseListApi.as_view(), name="dashboard-cases"),
    path("cases/<int:case_id>/", api.CasePageApi.as_view(), name="dashboard-case"),
    path("cases/<int:case_id>/state/", api.CaseStateAtApi.as_view(), name="dashboard-case-state"),
    path("definitions/", api.DefinitionListApi.as_view(), name="dashboard-definitions"),
    path("definitions/<str:name>/", api.DefinitionPageApi.as_view(), name="dashboard-definition"),
    path("batches/", api.BatchCollectionApi.as_view(), name="dashboard-batches"),
    path("batches/<int:job_id>/", api.BatchDetailApi.as_view(), name="dashboard-batch"),
]
