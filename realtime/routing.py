"""Websocket URLs (config/asgi.py)."""

from django.urls import path

from realtime import consumers

websocket_urlpatterns = [
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
    path("ws/cases/<int:case_id>/", consumers.CaseConsumer.as_asgi()),
    path("ws/dashboard/", consumers.DashboardConsumer.as_asgi()),
]
