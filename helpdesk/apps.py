"""The project's own app (what every app shares: idempotency keys) and the admin, with our site as default."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk"


class HelpdeskAdminConfig(AdminConfig):
    # ``admin.site`` (and so every ``@admin.register``) becomes this site.
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
