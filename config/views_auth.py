"""Authentication endpoints: obtain a token, and who am I."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.throttle import check_login_allowed


class TokenObtainApi(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}; 400 (code "invalid") on bad credentials."""

    # No session authentication here: a browser that is logged in would otherwise need a CSRF
    # token just to ask for an API token with a password.
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_token_obtain",
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenOutput", fields={"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        check_login_allowed(request._request, username)
        return super().post(request, *args, **kwargs)


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    groups = serializers.ListField(child=serializers.CharField())
    is_staff = serializers.BooleanField()


def _me(user) -> dict:
    data = {
        "id": user.pk,
        "username": user.get_username(),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "is_staff": user.is_staff,
    }
    return MeOutputSerializer(data).data


class MeApi(APIView):
    @extend_schema(operation_id="me", responses={200: MeOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(_me(request.user))


@method_decorator(csrf_protect, name="dispatch")
class SessionLoginApi(APIView):
    """POST {"username", "password"}: start a browser session (CSRF-protected, like a form
    login). 400 (code "invalid") on bad credentials. Addition to API v1, for the front end."""

    authentication_classes = ()
    permission_classes = ()

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(trim_whitespace=False)

    @extend_schema(operation_id="auth_login", request=InputSerializer, responses={200: MeOutputSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check_login_allowed(request._request, body.validated_data["username"])
        user = authenticate(request._request, **body.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": ["wrong username or password"]}, code="invalid")
        login(request._request, user)
        return Response(_me(user))


@method_decorator(csrf_protect, name="dispatch")
class SessionLogoutApi(APIView):
    """POST: end the browser session (CSRF-protected). 204 even when no one was logged in."""

    authentication_classes = ()
    permission_classes = ()

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None}, auth=[])
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=204)
