"""A connection to one external desk (a Zendesk account or a Zoho Desk department): where, how, how well."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.models.fields import EncryptedTextField
from tickets.choices import Status

# The secret fields, in the order the admin shows them. Never rendered, logged or put in errors.
SECRET_FIELDS: tuple[str, ...] = (
    "client_secret",
    "api_token",
    "access_token",
    "refresh_token",
    "webhook_secret",
)
# Changing one of these invalidates a token refresh in flight (token_version is bumped).
CREDENTIAL_FIELDS: frozenset[str] = frozenset(
    {"auth_method", "client_id", "client_secret", "api_email", "api_token", "access_token", "refresh_token"}
)

# Refresh an access token this close to its end rather than have a call fail halfway.
ACCESS_TOKEN_MARGIN = timedelta(seconds=60)

DEFAULT_ZOHO_PRIORITIES: tuple[str, ...] = ("Low", "Medium", "High", "Urgent")


def default_zoho_priorities() -> list[str]:
    return list(DEFAULT_ZOHO_PRIORITIES)


def _in(field: str, choices: type[models.TextChoices]) -> models.Q:
    return models.Q(**{f"{field}__in": choices.values})


class Provider(models.TextChoices):
    ZENDESK = "zendesk", _("Zendesk")
    ZOHO = "zoho", _("Zoho Desk")


class AuthMethod(models.TextChoices):
    OAUTH = "oauth", _("OAuth")
    # Zendesk only; Zendesk stops API tokens on 30 April 2027.
    API_TOKEN = "api_token", _("API token (Zendesk, until 30 April 2027)")


class DataCentre(models.TextChoices):
    """Zoho's data centres: the value is the domain suffix of ``zoho.<dc>``, except Canada's."""

    COM = "com", _("United States (zoho.com)")
    EU = "eu", _("Europe (zoho.eu)")
    IN = "in", _("India (zoho.in)")
    AU = "com.au", _("Australia (zoho.com.au)")
    JP = "jp", _("Japan (zoho.jp)")
    CA = "ca", _("Canada (zohocloud.ca)")
    CN = "com.cn", _("China (zoho.com.cn)")

    @property
    def domain(self) -> str:
        """``zoho.eu``, ``zohocloud.ca``...: the domain under which ``accounts.`` and ``desk.`` live."""
        return "zohocloud.ca" if self is DataCentre.CA else f"zoho.{self.value}"


class Health(models.TextChoices):
    OK = "ok", _("ok")
    FAILING = "failing", _("failing")
    NEVER_SYNCED = "never_synced", _("never synced")
    INACTIVE = "inactive", _("inactive")


class Connection(models.Model):
    """One external desk whose tickets sync with ours, with its credentials (encrypted) and health.

    Reading tokens: ``connection.access_token`` is the plaintext (a ``str``); ``""`` is "not
    set"; ``access_token_expired()`` says when to refresh first. Writing them goes through
    ``integrations.services.connection_tokens_store``, a compare-and-swap on ``token_version``
    (see there), never through ``save()`` of a row loaded earlier, which could put back a
    refresh token the desk has already revoked.

    URLs: ``api_base()`` is what REST paths are appended to (Zendesk: ``https://{sub}.zendesk.com``,
    paths start ``/api/v2/``; Zoho: ``https://desk.zoho.{dc}/api/v1``). ``accounts_base()`` is
    where OAuth lives (Zendesk: the same host; Zoho: ``https://accounts.zoho.{dc}``). With
    ``base_url_override`` set (a fake server or a proxy) that URL replaces every host.
    """

    Provider = Provider
    AuthMethod = AuthMethod
    DataCentre = DataCentre
    Health = Health

    name = models.CharField(_("name"), max_length=100, unique=True)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive connections do not sync."))
    # PROTECT: deleting the team must not silently widen the sync to every team's tickets.
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connections",
        verbose_name=_("team"),
        help_text=_("Only this team's tickets sync; empty: every ticket."),
    )

    # Where: Zendesk.
    subdomain = models.CharField(
        _("Zendesk subdomain"),
        max_length=63,
        blank=True,
        validators=[RegexValidator(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", _("Lower-case letters, digits and '-'."))],
        help_text=_("acme for acme.zendesk.com."),
    )
    # Where: Zoho.
    data_centre = models.CharField(
        _("Zoho data centre"), max_length=10, choices=DataCentre.choices, default=DataCentre.COM
    )
    org_id = models.CharField(_("Zoho organization id"), max_length=32, blank=True)
    department_id = models.CharField(_("Zoho department id"), max_length=32, blank=True)
    base_url_override = models.URLField(
        _("base URL override"),
        blank=True,
        help_text=_("Replaces every host of the desk (a test server or a proxy), e.g. http://127.0.0.1:8081."),
    )

    # How: credentials. Secrets are EncryptedTextFields (see SECRET_FIELDS).
    auth_method = models.CharField(
        _("authentication"), max_length=20, choices=AuthMethod.choices, default=AuthMethod.OAUTH
    )
    client_id = models.CharField(_("OAuth client id"), max_length=255, blank=True)
    client_secret = EncryptedTextField(_("OAuth client secret"))
    api_email = models.EmailField(_("API user email"), blank=True, help_text=_("Zendesk API-token login."))
    api_token = EncryptedTextField(_("API token"))
    access_token = EncryptedTextField(_("access token"))
    refresh_token = EncryptedTextField(_("refresh token"))
    access_token_expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    # Bumped by every token write: a refresh stores its result only if the version is still
    # the one it started from, so two processes never both spend one refresh token.
    token_version = models.PositiveIntegerField(_("token version"), default=0)
    webhook_secret = EncryptedTextField(_("webhook signing secret"))

    # Mapping.
    status_map_overrides = models.JSONField(
        _("status map overrides"),
        default=dict,
        blank=True,
        help_text=_('Where the default mapping does not fit, local status -> remote status: {"on_hold": "Waiting"}.'),
    )
    zoho_priorities = models.JSONField(
        _("Zoho priorities"),
        default=default_zoho_priorities,
        blank=True,
        help_text=_("The department's priority picklist, lowest first (maps to low, medium, high, urgent)."),
    )
    hold_enabled = models.BooleanField(
        _("Zendesk on-hold status enabled"),
        default=False,
        help_text=_("Off (Zendesk's default): local on_hold is sent as pending."),
    )

    # Health, written by the sync engine (integrations.services.connection_record_*).
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=_in("provider", Provider), name="connection_provider_valid"),
            models.CheckConstraint(condition=_in("auth_method", AuthMethod), name="connection_auth_method_valid"),
            models.CheckConstraint(condition=_in("data_centre", DataCentre), name="connection_data_centre_valid"),
            # Zoho Desk has no API tokens.
            models.CheckConstraint(
                condition=~models.Q(provider=Provider.ZOHO) | models.Q(auth_method=AuthMethod.OAUTH),
                name="connection_zoho_uses_oauth",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "provider"], name="connection_active_provider_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    # --- URLs ---------------------------------------------------------------------------

    @property
    def _override(self) -> str:
        return self.base_url_override.rstrip("/")

    def api_base(self) -> str:
        """The REST base: ``https://acme.zendesk.com`` (paths ``/api/v2/...``) or ``https://desk.zoho.eu/api/v1``."""
        if self.provider == Provider.ZENDESK:
            return self._override or f"https://{self.subdomain}.zendesk.com"
        return f"{self.desk_base()}/api/v1"

    def desk_base(self) -> str:
        """The desk's host: Zendesk's subdomain, or Zoho's ``https://desk.zoho.{dc}`` (webhooks, JWKS)."""
        if self.provider == Provider.ZENDESK:
            return self.api_base()
        return self._override or f"https://desk.{DataCentre(self.data_centre).domain}"

    def accounts_base(self) -> str:
        """Where OAuth lives: Zendesk's own host (``/oauth/...``), Zoho's ``https://accounts.zoho.{dc}``."""
        if self.provider == Provider.ZENDESK:
            return self.api_base()
        return self._override or f"https://accounts.{DataCentre(self.data_centre).domain}"

    # --- State --------------------------------------------------------------------------

    @property
    def health(self) -> Health:
        """inactive, failing (the last attempt failed), never synced, or ok."""
        if not self.is_active:
            return Health.INACTIVE
        if self.consecutive_failures:
            return Health.FAILING
        if self.last_success_at is None:
            return Health.NEVER_SYNCED
        return Health.OK

    def access_token_expired(self, now: datetime | None = None, *, margin: timedelta = ACCESS_TOKEN_MARGIN) -> bool:
        """Whether the access token is missing or ends within ``margin``: refresh before using it.

        A token without a known expiry counts as valid (the desk's 401 then says otherwise).
        ``ACCESS_TOKEN_MARGIN`` is the one margin: ``integrations.tokens`` refreshes by this method,
        and stores the end of a token living under four margins late enough that it is used for
        three quarters of its life (``integrations.credentials.access_token_expiry``).
        """
        if not self.access_token:
            return True
        if self.access_token_expires_at is None:
            return False
        return self.access_token_expires_at <= (now or timezone.now()) + margin

    @property
    def uses_api_token_warning(self) -> bool:
        """True for Zendesk API-token auth, which Zendesk stops on 30 April 2027: move to OAuth."""
        return self.provider == Provider.ZENDESK and self.auth_method == AuthMethod.API_TOKEN

    def secret_is_set(self, field: str) -> bool:
        """Whether the secret ``field`` (one of ``SECRET_FIELDS``) holds a value."""
        if field not in SECRET_FIELDS:
            raise ValueError(f"{field} is not a secret field")
        return bool(getattr(self, field))

    def redact(self, text: str) -> str:
        """``text`` with every secret of this connection replaced by ``[redacted]`` (for errors and logs)."""
        for field in SECRET_FIELDS:
            value = str(self.__dict__.get(field) or "")
            # Short values would blank out ordinary words; real secrets are long.
            if len(value) >= 6:
                text = text.replace(value, "[redacted]")
        return text

    def clean(self) -> None:
        """The fields each provider and authentication method needs."""
        errors: dict[str, str] = {}
        if self.provider == Provider.ZENDESK:
            if not self.subdomain and not self.base_url_override:
                errors["subdomain"] = _("A Zendesk connection needs its subdomain (or a base URL override).")
            if self.auth_method == AuthMethod.API_TOKEN:
                if not self.api_email:
                    errors["api_email"] = _("API-token authentication needs the API user's email.")
                if not self.api_token:
                    errors["api_token"] = _("API-token authentication needs the token.")
        elif self.provider == Provider.ZOHO:
            if not self.org_id:
                errors["org_id"] = _("A Zoho Desk connection needs the organization id (orgId).")
            if not self.department_id:
                errors["department_id"] = _("A Zoho Desk connection needs the department id.")
            if self.auth_method != AuthMethod.OAUTH:
                errors["auth_method"] = _("Zoho Desk only offers OAuth.")
        if self.auth_method == AuthMethod.OAUTH:
            if not self.client_id:
                errors["client_id"] = _("OAuth needs the client id.")
            if not self.client_secret:
                errors["client_secret"] = _("OAuth needs the client secret.")
        priorities = self.zoho_priorities
        if not isinstance(priorities, list) or not all(isinstance(item, str) and item for item in priorities):
            errors["zoho_priorities"] = _('A list of names, e.g. ["Low", "Medium", "High", "Urgent"].')
        elif self.provider == Provider.ZOHO and not priorities:
            errors["zoho_priorities"] = _("Zoho Desk needs the department's priority names.")
        overrides = self.status_map_overrides
        if not isinstance(overrides, dict) or not all(
            key in Status.values and isinstance(value, str) and value for key, value in overrides.items()
        ):
            errors["status_map_overrides"] = _(
                'An object of local status to remote status name, e.g. {"on_hold": "Waiting"}.'
            )
        if errors:
            raise ValidationError(errors)
