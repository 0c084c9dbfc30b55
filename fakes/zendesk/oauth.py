"""OAuth (authorization code with optional PKCE, rotating refresh tokens) and API authentication."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fakes.zendesk import errors
from fakes.zendesk.errors import Reply

if TYPE_CHECKING:
    from fakes.zendesk.wire import Request, Route

CODE_LIFETIME = 120
_RESOURCES = (
    "tickets",
    "users",
    "organizations",
    "groups",
    "ticket_fields",
    "ticket_forms",
    "macros",
    "requests",
    "satisfaction_ratings",
    "webhooks",
    "triggers",
    "automations",
    "hc",
)
KNOWN_SCOPES = frozenset({"read", "write", "impersonate"} | {f"{r}:{a}" for r in _RESOURCES for a in ("read", "write")})
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used "
    "in the authorization request, or was issued to another client."
)
_INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, or unsupported "
    "authentication method."
)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class OAuthMixin:
    """Clients, codes and tokens; `_authenticate` decides who an /api/v2 request comes from."""

    def _init_oauth(self) -> None:
        self.oauth_clients: dict[str, dict[str, Any]] = {}
        self.api_tokens: dict[str, set[str]] = {}
        self.authorizing_user_id: int | None = None  # who approves /oauth/authorizations/new; admin if None
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, dict[str, Any]] = {}
        self._refresh: dict[str, dict[str, Any]] = {}

    # -- test set-up -------------------------------------------------------------------------------

    def add_oauth_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str | list[str],
        *,
        scopes: str | None = None,
    ) -> None:
        """Register a client. `scopes` is its ceiling (space-separated); None allows every scope."""
        uris = [redirect_uri] if isinstance(redirect_uri, str) else list(redirect_uri)
        with self.lock:
            self.oauth_clients[client_id] = {
                "secret": client_secret,
                "redirect_uris": uris,
                "scopes": frozenset(scopes.split()) if scopes is not None else None,
            }

    def add_api_token(self, email: str, token: str) -> dict[str, Any]:
        """Allow basic auth as `{email}/token:{token}`; the user is created as an admin if missing."""
        with self.lock:
            user = self._user_by_email(email) or self._create_user(name=email.split("@")[0], email=email, role="admin")
            self.api_tokens.setdefault(email.lower(), set()).add(token)
            return dict(user)

    def issue_tokens(
        self,
        client_id: str,
        scope: str = "read write",
        *,
        user_id: int | None = None,
        expires_in: int | None = None,
        refresh_token_expires_in: int | None = None,
    ) -> dict[str, Any]:
        """A token pair as the token endpoint would answer, without the browser round trip."""
        with self.lock:
            if client_id not in self.oauth_clients:
                raise KeyError(f"unknown OAuth client {client_id!r}")
            return self._issue(
                client_id,
                user_id or self.admin_id,
                scope,
                expires_in or self.access_token_lifetime,
                refresh_token_expires_in or self.refresh_token_lifetime,
            )

    def expire_access_tokens(self) -> None:
        with self.lock:
            for record in self._access.values():
                record["expires"] = self._now() - 1

    def expire_refresh_tokens(self) -> None:
        with self.lock:
            for record in self._refresh.values():
                record["expires"] = self._now() - 1

    # -- endpoints ---------------------------------------------------------------------------------

    def oauth_authorize(self, req: Request) -> Reply:
        """Auto-approves as `authorizing_user_id` (the admin by default) and redirects with a code."""
        client = self.oauth_clients.get(req.arg("client_id") or "")
        if client is None:
            raise errors.oauth_error(400, "invalid_client", _INVALID_CLIENT)
        redirect_uri = req.arg("redirect_uri") or ""
        if redirect_uri not in client["redirect_uris"]:
            # Never redirect to an address the client did not register.
            raise errors.oauth_error(
                400,
                "invalid_redirect_uri",
                "The requested redirect uri is malformed or doesn't match client redirect URI.",
            )
        state = req.arg("state")

        def back(**params: str) -> Reply:
            if state is not None:
                params["state"] = state
            return Reply(302, None, {"Location": _with_query(redirect_uri, params)})

        if req.arg("response_type") != "code":
            return back(
                error="unsupported_response_type",
                error_description="The authorization server does not support this response type.",
            )
        scopes = (req.arg("scope") or "").split()
        if not scopes or not self._scopes_allowed(client, scopes):
            return back(
                error="invalid_scope", error_description="The requested scope is invalid, unknown, or malformed."
            )
        challenge, method = req.arg("code_challenge"), req.arg("code_challenge_method")
        if (challenge or method) and (not challenge or method != "S256"):
            return back(error="invalid_request", error_description="code_challenge_method must be S256.")
        code = secrets.token_urlsafe(32)
        self._codes[code] = {
            "client_id": req.arg("client_id"),
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes),
            "user_id": self.authorizing_user_id or self.admin_id,
            "expires": self._now() + CODE_LIFETIME,
            "challenge": challenge,
            "used": False,
            "issued": [],
        }
        return back(code=code)

    def oauth_token(self, req: Request) -> Reply:
        data = req.payload()
        client_id, secret = data.get("client_id"), data.get("client_secret")
        header = req.headers.get("Authorization") or ""
        if header.lower().startswith("basic "):
            client_id, _, secret = self._basic(header).partition(":")
        client = self.oauth_clients.get(str(client_id or ""))
        if client is None or (secret is not None and not hmac.compare_digest(str(secret), client["secret"])):
            raise errors.oauth_error(401, "invalid_client", _INVALID_CLIENT)
        grant = data.get("grant_type")
        if grant == "authorization_code":
            body = self._grant_code(str(client_id), data, secret_given=secret is not None)
            self.counters["token_exchange"] += 1
        elif grant == "refresh_token":
            body = self._grant_refresh(client, str(client_id), data)
            self.counters["token_refresh"] += 1
        else:
            raise errors.oauth_error(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )
        return Reply(200, body, dict(_NO_STORE))

    def oauth_revoke(self, req: Request) -> Reply:
        token = str(req.payload().get("token") or "")
        self._revoke(token)
        self.counters["token_revoke"] += 1
        return Reply(200, {}, dict(_NO_STORE))  # RFC 7009: same answer for unknown tokens

    def api_revoke_current(self, req: Request) -> Reply:
        if req.access_token is None:
            raise errors.not_found()
        self._revoke(req.access_token)
        self.counters["token_revoke"] += 1
        return Reply(204)

    # -- internals ---------------------------------------------------------------------------------

    def _scopes_allowed(self, client: dict[str, Any], scopes: list[str]) -> bool:
        # A known scope outside the client's ceiling is refused; an unknown name (a typo) is granted
        # and then answers 403 everywhere, as the real service does.
        ceiling = client["scopes"]
        return ceiling is None or all(s in ceiling or s not in KNOWN_SCOPES for s in scopes)

    def _lifetimes(self, data: dict[str, Any]) -> tuple[int, int]:
        try:
            access = int(data.get("expires_in") or self.access_token_lifetime)
            refresh = int(data.get("refresh_token_expires_in") or self.refresh_token_lifetime)
        except (TypeError, ValueError):
            raise errors.oauth_error(400, "invalid_request", "expires_in must be an integer") from None
        if data.get("expires_in") is not None and not 300 <= access <= min(172_800, refresh):
            raise errors.oauth_error(400, "invalid_request", "expires_in must be between 300 and 172800 seconds")
        if data.get("refresh_token_expires_in") is not None and not 604_800 <= refresh <= 7_776_000:
            raise errors.oauth_error(
                400, "invalid_request", "refresh_token_expires_in must be between 604800 and 7776000 seconds"
            )
        return access, refresh

    def _grant_code(self, client_id: str, data: dict[str, Any], *, secret_given: bool) -> dict[str, Any]:
        record = self._codes.get(str(data.get("code") or ""))
        if record is None or record["client_id"] != client_id:
            raise errors.oauth_error(400, "invalid_grant", _INVALID_GRANT)
        if record["used"]:
            # A replayed code revokes what it was exchanged for (RFC 6749 section 4.1.2).
            for token in record["issued"]:
                self._revoke(token)
            raise errors.oauth_error(400, "invalid_grant", _INVALID_GRANT)
        if self._now() > record["expires"] or data.get("redirect_uri") != record["redirect_uri"]:
            raise errors.oauth_error(400, "invalid_grant", _INVALID_GRANT)
        if record["challenge"]:
            verifier = str(data.get("code_verifier") or "")
            if not verifier or not hmac.compare_digest(_s256(verifier), record["challenge"]):
                raise errors.oauth_error(400, "invalid_grant", _INVALID_GRANT)
        elif not secret_given:
            raise errors.oauth_error(401, "invalid_client", _INVALID_CLIENT)
        access_life, refresh_life = self._lifetimes(data)
        record["used"] = True
        body = self._issue(client_id, record["user_id"], record["scope"], access_life, refresh_life)
        record["issued"].append(body["access_token"])
        return body

    def _grant_refresh(self, client: dict[str, Any], client_id: str, data: dict[str, Any]) -> dict[str, Any]:
        record = self._refresh.get(str(data.get("refresh_token") or ""))
        if record is None or record["client_id"] != client_id or record["used"] or self._now() >= record["expires"]:
            raise errors.oauth_error(400, "invalid_grant", _INVALID_GRANT)
        scope = record["scope"]
        if data.get("scope"):
            wanted = str(data["scope"]).split()
            if not set(wanted) <= set(scope.split()):
                raise errors.oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
            scope = " ".join(wanted)
        access_life, refresh_life = self._lifetimes(data)
        # Rotation: the old pair stops working; a replayed old refresh token gets invalid_grant, while
        # the new pair keeps working (the real service does not revoke the chain on reuse).
        record["used"] = True
        self._access.pop(record["access"], None)
        return self._issue(client_id, record["user_id"], scope, access_life, refresh_life)

    def _issue(self, client_id: str, user_id: int, scope: str, access_life: int, refresh_life: int) -> dict[str, Any]:
        access, refresh = secrets.token_hex(32), secrets.token_hex(32)
        now = self._now()
        self._access[access] = {
            "client_id": client_id,
            "user_id": user_id,
            "scope": scope,
            "expires": now + access_life,
            "refresh": refresh,
        }
        self._refresh[refresh] = {
            "client_id": client_id,
            "user_id": user_id,
            "scope": scope,
            "expires": now + refresh_life,
            "access": access,
            "used": False,
        }
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "scope": scope,
            "expires_in": access_life,
            "refresh_token_expires_in": refresh_life,
        }

    def _revoke(self, token: str) -> None:
        access = self._access.pop(token, None)
        if access is not None:
            self._refresh.pop(access["refresh"], None)
        refresh = self._refresh.pop(token, None)
        if refresh is not None:
            self._access.pop(refresh["access"], None)

    @staticmethod
    def _basic(header: str) -> str:
        try:
            return base64.b64decode(header.split(" ", 1)[1].strip()).decode("utf-8")
        except (ValueError, binascii.Error, IndexError):
            return ""

    def _authenticate(self, req: Request, route: Route) -> None:
        """Set `req.user` and `req.scopes`, or raise 401/403."""
        header = req.headers.get("Authorization") or ""
        scheme, _, credential = header.partition(" ")
        anonymous_ok = route.auth == "anonymous"
        if scheme.lower() == "bearer":
            record = self._access.get(credential.strip())
            if record is None or self._now() >= record["expires"]:
                raise errors.unauthenticated()
            req.user, req.access_token = self.users.get(record["user_id"]), credential.strip()
            req.scopes = frozenset(record["scope"].split())
        elif scheme.lower() == "basic":
            login, _, secret = self._basic(header).partition(":")
            if login.endswith("/token"):
                email = login.removesuffix("/token").lower()
                if not any(hmac.compare_digest(secret, t) for t in self.api_tokens.get(email, ())):
                    raise errors.unauthenticated()
                req.user = self._user_by_email(email)
            elif not anonymous_ok:
                raise errors.unauthenticated()  # password auth is not offered
        elif not anonymous_ok:
            raise errors.unauthenticated()
        if req.user is None and not anonymous_ok:
            raise errors.unauthenticated()
        if req.user is not None and (not req.user["active"] or req.user["suspended"]):
            raise errors.unauthenticated()
        if req.scopes is not None and not self._scope_permits(req):
            raise errors.forbidden()

    @staticmethod
    def _scope_permits(req: Request) -> bool:
        action = "read" if req.method == "GET" else "write"
        resource = req.path.split("/")[3].removesuffix(".json") if req.path.count("/") >= 3 else ""
        if resource == "oauth":
            return True
        if resource in ("search", "incremental"):
            return action in req.scopes or any(s.endswith(":read") for s in req.scopes or ())
        return action in (req.scopes or ()) or f"{resource}:{action}" in (req.scopes or ())
