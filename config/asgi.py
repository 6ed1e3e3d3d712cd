"""ASGI entry point (Daphne): HTTP through Django, websockets through Channels.

Websockets authenticate with the browser session or a DRF token (`?token=<key>` or an
`Authorization: Token <key>` header: realtime/auth.py); the origin is checked against ALLOWED_HOSTS.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Django first: the imports below load models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.auth import BrowserOriginValidator, SessionOrTokenAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(SessionOrTokenAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
