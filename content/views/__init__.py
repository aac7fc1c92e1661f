"""Pages of the content area; each module brings its own urlpatterns."""
