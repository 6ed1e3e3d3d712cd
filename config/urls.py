"""Top-level URLs: the browser app's pages, auth, the OpenAPI schema, each app's API under /api/."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.views_auth import MeApi, SessionLoginApi, SessionLogoutApi, TokenObtainApi
from config.views_frontend import frontend_app

urlpatterns = [
    path("", RedirectView.as_view(url="/inbox/", permanent=False), name="home"),
    # browsers ask for /favicon.ico on every page (and the JSON API's pages): the app's icon
    path("favicon.ico", RedirectView.as_view(url="/static/app/favicon.svg", permanent=True), name="favicon"),
    # Client routes of the browser app (frontend/): the same index.html for each.
    path("login/", frontend_app, name="login"),
    re_path(r"^(?P<section>inbox|designer|dashboard)/(?:.*)$", frontend_app, name="frontend"),
    path("admin/", admin.site.urls),
    path("", include("ops.urls")),  # /healthz, /readyz, /metrics
    path("api/auth/login/", SessionLoginApi.as_view(), name="auth-login"),
    path("api/auth/logout/", SessionLogoutApi.as_view(), name="auth-logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("api/me/", MeApi.as_view(), name="me"),
    path("api/dashboard/", include("dashboard.urls")),
    path("api/", include("cases.urls")),
    path("api/", include("designer.urls")),
    path("api/", include("inbox.urls")),
]
