"""Content area services, one module per task."""
