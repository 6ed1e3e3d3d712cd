"""ASGI entry point (Daphne): HTTP through Django, websockets through Channels.

Websockets authenticate with the browser session or a DRF token (`?token=<key>` or an
`Authorization: Token <key>` header: realtime/auth.py); a browser's Origin must be the app's own
(scheme, host and port, as the CSRF check decides) or one of CSRF_TRUSTED_ORIGINS.
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The web process takes its PostgreSQL connections from a bounded pool (config/settings.py,
# docs/adr/0069): set before the settings are read. DATABASE_POOL=false turns it off. A process
# that read its settings before importing this module (tests) is not the web process: untouched.
if not settings.configured:
    os.environ.setdefault("DATABASE_POOL", "true")

# Django first: the imports below load models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from realtime.auth import BrowserOriginValidator, SessionOrTokenAuthMiddleware  # noqa: E402
from realtime.layer import plain_autobahn_log_arguments  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

plain_autobahn_log_arguments()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(SessionOrTokenAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
