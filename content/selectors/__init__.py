"""Content area selectors, one module per task."""
