"""Authorizing a Zendesk connection (seed 001's auth endpoints), admins only, under ``/api/v1/integrations/zendesk/``.

- ``GET oauth/start``: builds Zendesk's authorize URL (state + PKCE S256) and redirects to it, or
  answers it as JSON when the caller accepts ``application/json``. The state's verifier, connection,
  redirect URI and starting admin are kept server-side, in the cache, for ``PENDING_SECONDS`` and
  single use: a JWT caller may start and a browser signed in as the same admin finish. With the
  cache unreachable both steps answer 503 SERVICE_UNAVAILABLE (``helpdesk.cache.strictly``).
- ``GET oauth/callback``: checks the state, trades the code for tokens (stored by compare-and-swap
  in ``integrations.zendesk.auth.exchange_code``) and redirects to the connection's admin page.
- ``GET auth/status``, ``POST auth/refresh`` (spends the refresh token now), ``DELETE auth``
  (revokes the pair at Zendesk when it can, and forgets it here).

No answer ever contains a token, a secret or the PKCE verifier.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.cache import strictly
from helpdesk.errors import ValidationFailed
from integrations.api.common import (
    CONNECTION_PARAMETER,
    REMOTE_ERRORS,
    IsAdminRole,
    connection_for,
    remote_error,
    remote_errors,
)
from integrations.api.serializers import (
    ZendeskAuthStatusSerializer,
    ZendeskOAuthStartSerializer,
    ZendeskRevokeSerializer,
)
from integrations.api.zendesk import connection_brief
from integrations.api.zendesk_remote import ZendeskPages
from integrations.errors import AuthenticationError, IntegrationError
from integrations.models import AuthMethod, Connection, Direction, Outcome, Provider
from integrations.services import connection_save, connection_tokens_clear, sync_log
from integrations.tokens import access_token
from integrations.zendesk.auth import api_token_warning, build_authorize_url, exchange_code

TAGS = ["integrations: zendesk auth"]
PENDING_SECONDS = 600
_PENDING_KEY = "integrations:zendesk:oauth:{}"


def _pending_key(state: str) -> str:
    # The state's digest: the cache never holds the state itself.
    return _PENDING_KEY.format(hashlib.sha256(state.encode()).hexdigest())


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def auth_status(connection: Connection) -> dict[str, Any]:
    oauth = connection.auth_method == AuthMethod.OAUTH
    authorized = (
        bool(connection.access_token or connection.refresh_token)
        if oauth
        else bool(connection.api_email and connection.api_token)
    )
    return {
        "connection": connection_brief(connection),
        "auth_method": connection.auth_method,
        "authorized": authorized,
        "access_token_expires_at": connection.access_token_expires_at if oauth else None,
        "access_token_expired": oauth and connection.access_token_expired(),
        "refresh_token_set": oauth and bool(connection.refresh_token),
        "refresh_token_expires_at": connection.refresh_token_expires_at if oauth else None,
        "warning": api_token_warning(connection),
    }


def _oauth_only(connection: Connection, what: str) -> None:
    if connection.auth_method != AuthMethod.OAUTH:
        raise ValidationFailed.on(
            "connection",
            f"The connection {connection.name!r} uses an API token: there is no OAuth token to {what}. "
            "Authorize it with OAuth (oauth/start) to move it off API tokens, which end on 30 April 2027.",
        )


class ZendeskAuthView(APIView):
    permission_classes = [IsAdminRole]

    def connection(self, request: Request) -> Connection:
        return connection_for(request, Provider.ZENDESK, active_only=False)


class OAuthStartView(ZendeskAuthView):
    @extend_schema(
        summary="Start authorizing a Zendesk connection with OAuth",
        description="Redirects (302) to Zendesk's authorize page, or answers the URL as JSON with "
        "`Accept: application/json`. Zendesk sends the browser back to oauth/callback, which must be "
        "registered as the OAuth client's redirect URL. An API-token connection moves to OAuth on success.",
        parameters=[CONNECTION_PARAMETER],
        responses={
            200: ZendeskOAuthStartSerializer,
            302: OpenApiResponse(description="To Zendesk's authorize page"),
            **REMOTE_ERRORS,
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> Response | HttpResponseRedirect:
        connection = self.connection(request)
        if not connection.client_id or not connection.client_secret:
            raise ValidationFailed.on(
                "connection", f"The connection {connection.name!r} needs its OAuth client id and secret (admin)."
            )
        redirect_uri = request.build_absolute_uri(reverse("integrations-api:zendesk-oauth-callback"))
        url, state, verifier = build_authorize_url(connection, redirect_uri)
        pending = {"connection": connection.pk, "verifier": verifier, "redirect_uri": redirect_uri}
        with strictly():  # an authorization whose state is not kept could never complete: 503 now
            cache.set(_pending_key(state), {**pending, "user": request.user.pk}, PENDING_SECONDS)
        if _wants_json(request):
            return Response({"authorize_url": url})
        return HttpResponseRedirect(url)


class OAuthCallbackView(ZendeskAuthView):
    @extend_schema(
        summary="Zendesk's OAuth redirect back: store the connection's tokens",
        description="Checks the state (single use, 10 minutes, the admin who started), trades the code for "
        "tokens and redirects to the connection's admin page (JSON status with `Accept: application/json`).",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, required=True),
            OpenApiParameter("code", OpenApiTypes.STR, required=False),
            OpenApiParameter("error", OpenApiTypes.STR, required=False, description="Zendesk's refusal, if any."),
        ],
        responses={
            200: ZendeskAuthStatusSerializer,
            302: OpenApiResponse(description="To the connection's admin page"),
            **REMOTE_ERRORS,
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> Response | HttpResponseRedirect:
        state = request.query_params.get("state") or ""
        key = _pending_key(state)
        with strictly():  # not "unknown state": the state may be there, the cache is not
            pending = cache.get(key) if state else None
            if pending is not None:
                cache.delete(key)  # single use, whatever happens next
        # Found under the state's digest is the state check: only its holder can name the entry.
        if pending is None or pending.get("user") != request.user.pk:
            raise ValidationFailed.on(
                "state", "This authorization is unknown, expired or was started by someone else: start again."
            )
        connection = Connection.objects.filter(pk=pending["connection"], provider=Provider.ZENDESK).first()
        if connection is None:
            raise ValidationFailed.on("connection", "The connection being authorized no longer exists.")
        if request.query_params.get("error"):
            said = request.query_params.get("error_description") or request.query_params["error"]
            raise ValidationFailed.on("code", f"Zendesk did not authorize the connection: {said[:300]}")
        code = request.query_params.get("code") or ""
        if not code:
            raise ValidationFailed.on("code", "Zendesk sent no authorization code: start again.")
        try:
            exchange_code(connection, code, pending["verifier"], pending["redirect_uri"])
        except AuthenticationError as exc:
            raise ValidationFailed.on("code", f"{exc.message} Start again from oauth/start.") from exc
        except IntegrationError as exc:
            raise remote_error(exc) from exc
        if connection.auth_method != AuthMethod.OAUTH:
            connection.auth_method = AuthMethod.OAUTH
            connection_save(connection=connection, fields=["auth_method"])
        sync_log(
            connection=connection,
            direction=Direction.AUTH,
            action="oauth_authorize",
            outcome=Outcome.OK,
            message=f"Authorized by {request.user.email}.",
        )
        if _wants_json(request):
            return Response(ZendeskAuthStatusSerializer(auth_status(connection)).data)
        return HttpResponseRedirect(reverse("admin:integrations_connection_change", args=[connection.pk]))


class AuthStatusView(ZendeskAuthView):
    @extend_schema(
        summary="How a Zendesk connection authenticates, and until when",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskAuthStatusSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(ZendeskAuthStatusSerializer(auth_status(self.connection(request))).data)


class AuthRefreshView(ZendeskAuthView):
    @extend_schema(
        summary="Refresh a Zendesk connection's OAuth tokens now",
        description="Spends the refresh token (Zendesk rotates the pair). 409 when the connection has no "
        "usable refresh token (authorize it again).",
        parameters=[CONNECTION_PARAMETER],
        request=None,
        responses={200: ZendeskAuthStatusSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        connection = self.connection(request)
        _oauth_only(connection, "refresh")
        with remote_errors():
            access_token(connection, rejected=str(connection.access_token))
        return Response(ZendeskAuthStatusSerializer(auth_status(connection)).data)


class AuthRevokeView(ZendeskAuthView):
    @extend_schema(
        summary="Revoke a Zendesk connection's OAuth tokens",
        description="Asks Zendesk to revoke the pair (`revoked_at_zendesk` says whether it confirmed) and "
        "forgets it here in any case; the connection must be authorized again to sync.",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskRevokeSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def delete(self, request: Request) -> Response:
        connection = self.connection(request)
        _oauth_only(connection, "revoke")
        try:
            revoked = ZendeskPages(connection).revoke_current_token()
        except IntegrationError:
            revoked = False
        connection_tokens_clear(connection=connection, reason=f"Authorization revoked by {request.user.email}.")
        sync_log(
            connection=connection,
            direction=Direction.AUTH,
            action="oauth_revoke",
            outcome=Outcome.OK if revoked else Outcome.FAILED,
            message="Revoked at Zendesk." if revoked else "Zendesk did not confirm; forgotten here.",
        )
        body = {**auth_status(connection), "revoked_at_zendesk": revoked}
        return Response(ZendeskRevokeSerializer(body).data)
