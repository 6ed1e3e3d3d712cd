"""inbox API URLs (mounted under /api/ by config/urls.py): work items."""

from django.urls import path

from inbox import api

urlpatterns = [
    path("startable-definitions/", api.StartableDefinitionListApi.as_view(), name="startable-definitions"),
    path("work-items/", api.WorkItemCollectionApi.as_view(), name="work-items"),
    path("work-items/<uuid:item_id>/", api.WorkItemDetailApi.as_view(), name="work-item-detail"),
    path("work-items/<uuid:item_id>/claim/", api.WorkItemClaimApi.as_view(), name="work-item-claim"),
    path("work-items/<uuid:item_id>/release/", api.WorkItemReleaseApi.as_view(), name="work-item-release"),
    path("work-items/<uuid:item_id>/start/", api.WorkItemStartApi.as_view(), name="work-item-start"),
    path("work-items/<uuid:item_id>/complete/", api.WorkItemCompleteApi.as_view(), name="work-item-complete"),
    path("work-items/<uuid:item_id>/fail/", api.WorkItemFailApi.as_view(), name="work-item-fail"),
    path("work-items/<uuid:item_id>/retry/", api.WorkItemRetryApi.as_view(), name="work-item-retry"),
    path("work-items/<uuid:item_id>/skip/", api.WorkItemSkipApi.as_view(), name="work-item-skip"),
    path("work-items/<uuid:item_id>/delegate/", api.WorkItemDelegateApi.as_view(), name="work-item-delegate"),
    path("work-items/<uuid:item_id>/follow-up/", api.WorkItemFollowUpApi.as_view(), name="work-item-follow-up"),
]
