"""inbox API URLs (mounted under /api/ by config/urls.py)."""

urlpatterns: list = []
