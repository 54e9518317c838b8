"""API views, one module per resource. Each checks object permissions through
anonymizer.permissions exactly as the matching page does, and writes only through services."""
