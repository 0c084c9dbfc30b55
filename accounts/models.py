"""People: users with a role, the organizations customers belong to, the teams agents work in."""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.roles import STAFF_ROLES, Role


def unique_slug(model: type[models.Model], name: str, exclude_pk: int | None = None) -> str:
    """A slug for ``name`` that is valid and not yet taken in ``model``.

    ``slugify`` gives nothing for names without ASCII letters or digits ("!!!", "日本") and the
    same slug for names that differ only in punctuation ("Acme!", "Acme?"): both were
    saved as an empty or duplicate slug (a schema violation, or a 500 on the unique index).
    """
    max_length = model._meta.get_field("slug").max_length
    base = slugify(name)[:max_length] or model._meta.model_name
    taken = model.objects.exclude(pk=exclude_pk)
    slug, counter = base, 1
    while taken.filter(slug=slug).exists():
        counter += 1
        suffix = f"-{counter}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
    return slug


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    # When set, every customer of the organization sees the organization's tickets.
    shares_tickets = models.BooleanField(_("customers see each other's tickets"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def automation(self) -> User:
        """The desk's own actor for what automation rules do (automations/): the one system user, an admin
        nobody can sign in as (no usable password, an address nobody can claim: ``.invalid`` and random),
        made on first use and found by its flag, never by an address someone could register first."""
        found = self.filter(is_system=True).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return self.create(
                    email=f"automation-{secrets.token_hex(8)}@helpdesk.invalid",
                    full_name="Automation",
                    role=Role.ADMIN,
                    is_system=True,
                    is_available=False,
                    password="!",  # noqa: S106 - not a password: Django's mark of an unusable one
                )
        except IntegrityError:  # another process made it first
            return self.get(is_system=True)

    def people(self):
        """Every user but the system's own (``automation``): what lists of people, pickers and recipients show."""
        return self.filter(is_system=False)

    def staff(self):
        """Active people with a staff role: who may be assigned, told, listed as agents."""
        return self.people().filter(is_active=True, role__in=sorted(STAFF_ROLES))

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.CUSTOMER)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields["role"] = Role.ADMIN
        fields["is_superuser"] = True
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Email is the login and is matched without regard to case.
        return self.get(email__iexact=username)

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        return (email or "").strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.CUSTOMER, db_index=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    # The system's own user (``UserManager.automation``): never a person, never listed, never signs in.
    is_system = models.BooleanField(_("system user"), default=False, editable=False)
    # Agents marked unavailable (holiday, sick) are skipped by auto-assignment.
    is_available = models.BooleanField(_("available for assignment"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Follows the role: every role but customer enters the admin.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The last time mail to this address bounced (the email channel records delivery reports).
    email_bounced_at = models.DateTimeField(_("email bounced at"), null=True, blank=True, editable=False)
    email_bounce_reason = models.CharField(_("bounce reason"), max_length=500, blank=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            # Staff status is derived from the role, so the admin's door matches PRODUCT.md.
            models.CheckConstraint(
                condition=models.Q(is_staff=True, role__in=sorted(STAFF_ROLES))
                | models.Q(is_staff=False, role=Role.CUSTOMER),
                name="user_is_staff_matches_role",
            ),
            models.UniqueConstraint(fields=["is_system"], condition=models.Q(is_system=True), name="one_system_user"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs) -> None:
        self.email = UserManager.normalize_email(self.email)
        if self.is_superuser:
            self.role = Role.ADMIN
        self.is_staff = self.role in STAFF_ROLES
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_automation(self) -> bool:
        """The desk's automation actor: its replies are not a person's (no first response, no reply count)."""
        return self.is_system

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN


class Team(models.Model):
    class AutoAssignment(models.TextChoices):
        OFF = "off", _("Off")
        ROUND_ROBIN = "round_robin", _("Round robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(User, verbose_name=_("members"), related_name="teams", blank=True)
    auto_assignment = models.CharField(
        _("auto-assignment"), max_length=16, choices=AutoAssignment.choices, default=AutoAssignment.OFF
    )
    # Round robin: who got the last ticket, so the next goes to the member after them.
    last_assigned = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(auto_assignment__in=["off", "round_robin", "least_loaded"]),
                name="team_auto_assignment_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(type(self), self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)


class LoginFailure(models.Model):
    """Wrong passwords for one account name from one client address, within ``LOGIN_FAILURE_WINDOW``.

    In the database rather than the cache, so a cache outage opens no window for guessing, and
    admins see who is locked out and can unlock them (deleting the row).
    """

    username = models.CharField(_("account name"), max_length=254)
    address = models.CharField(_("client address"), max_length=45)
    failures = models.PositiveIntegerField(_("wrong passwords"), default=0)
    first_failed_at = models.DateTimeField(_("first wrong password"), db_index=True)
    last_failed_at = models.DateTimeField(_("last wrong password"))

    class Meta:
        verbose_name = _("login failure")
        ordering = ["-last_failed_at"]
        constraints = [models.UniqueConstraint(fields=["username", "address"], name="login_failure_unique")]

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"
