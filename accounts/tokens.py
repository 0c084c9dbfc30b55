"""The API's JWTs: besides ``user_id``, access tokens carry the user's ``role`` and ``email``.

Another service that trusts our signing key can then authorize a caller from the token
alone, without calling back. The claims are read from the database whenever an access
token is made, at login and at every refresh, so a role changed by an admin reaches
the next access token (within ``ACCESS_TOKEN_LIFETIME``) rather than a week later.
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User

IDENTITY_CLAIMS = ("role", "email")


def _set_identity(token: RefreshToken, user: User) -> None:
    token["role"] = user.role
    token["email"] = user.email


class IdentityRefreshToken(RefreshToken):
    """A refresh token whose access tokens carry the current ``role`` and ``email``."""

    @classmethod
    def for_user(cls, user: Any) -> IdentityRefreshToken:
        token = super().for_user(user)
        _set_identity(token, user)
        token._user = user
        return token  # type: ignore[return-value]

    @property
    def access_token(self) -> AccessToken:
        user = getattr(self, "_user", None)
        if user is None:
            user_id = self.payload.get(api_settings.USER_ID_CLAIM)
            user = User.objects.filter(pk=user_id).only("role", "email").first()
        if user is not None:
            # Copied into the access token, and into the rotated refresh token the serializer issues.
            _set_identity(self, user)
        return super().access_token


class IdentityTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = IdentityRefreshToken
