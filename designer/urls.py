"""designer API URLs (mounted under /api/ by config/urls.py).

`validate/` and `import/` come before `<name>/`: a definition cannot be read at those two names.
"""

from django.urls import path

from designer import api

urlpatterns = [
    path("activities/", api.ActivityListApi.as_view(), name="activities-list"),
    path("groups/", api.GroupListApi.as_view(), name="groups-list"),
    path("designer/check-expression/", api.ExpressionCheckApi.as_view(), name="designer-check-expression"),
    path("definitions/", api.DefinitionCollectionApi.as_view(), name="definitions"),
    path("definitions/validate/", api.DefinitionValidateApi.as_view(), name="definitions-validate"),
    path("definitions/import/", api.DefinitionImportApi.as_view(), name="definitions-import"),
    path("definitions/<str:name>/", api.DefinitionDetailApi.as_view(), name="definition-detail"),
    path("definitions/<str:name>/publish/", api.DefinitionPublishApi.as_view(), name="definition-publish"),
    path("definitions/<str:name>/export/", api.DefinitionExportApi.as_view(), name="definition-export"),
    path(
        "definitions/<str:name>/versions/<int:version>/",
        api.DefinitionVersionApi.as_view(),
        name="definition-version",
    ),
]
