"""What every API view shares: token authentication, the scope check, the error shape."""

from __future__ import annotations

from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from anonymizer.api.authentication import ApiTokenAuthentication
from anonymizer.api.scopes import TokenScopes
from anonymizer.models import ApiToken


class ApiView(generics.GenericAPIView):
    """Token only (never the session), `read` for GET and `write_scope` for writes."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, TokenScopes]
    write_scope = ApiToken.Scope.READ  # views that write name their scope
