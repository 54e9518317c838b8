"""Serializers that declare every field, so that the OpenAPI schema is exact. They only
render what a view composed; none of them saves anything (writes go through services)."""
