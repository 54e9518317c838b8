"""The open API: Django REST framework views over the same services, selectors and leases the
pages use, with bearer-token authentication and scopes (anonymizer.models.ApiToken)."""
