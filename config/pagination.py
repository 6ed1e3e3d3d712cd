"""Pagination for every list endpoint: `?page=` and an optional `?page_size=` (capped)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def paginated_response(
    *,
    view: APIView,
    request: Request,
    queryset: QuerySet[Any] | list[Any],
    serializer_class: type,
    context: dict[str, Any] | None = None,
) -> Response:
    """A page of `queryset` as `{"count","next","previous","results"}`."""
    paginator: BasePagination = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)
