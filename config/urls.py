"""Top-level URLs: pages, auth, the OpenAPI schema, and each app's API under /api/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.views_auth import MeApi, TokenObtainApi

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("api/me/", MeApi.as_view(), name="me"),
    path("api/dashboard/", include("dashboard.urls")),
    path("api/", include("engine.urls")),
    path("api/", include("designer.urls")),
    path("api/", include("inbox.urls")),
]
