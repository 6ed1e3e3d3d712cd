"""Authentication endpoints: obtain a token, and who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


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
        return super().post(request, *args, **kwargs)


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        groups = serializers.ListField(child=serializers.CharField())
        is_staff = serializers.BooleanField()

    @extend_schema(operation_id="me", responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "groups": sorted(user.groups.values_list("name", flat=True)),
            "is_staff": user.is_staff,
        }
        return Response(self.OutputSerializer(data).data)
