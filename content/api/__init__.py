"""REST API of the content area (mounted under /api/v1/); each module brings its urlpatterns."""
