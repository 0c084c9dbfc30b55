"""The admin app, installed with our own site as the default one."""

from django.contrib.admin.apps import AdminConfig


class HelpdeskAdminConfig(AdminConfig):
    # ``admin.site`` (and so every ``@admin.register``) becomes this site.
    default_site = "helpdesk.admin_site.HelpdeskAdminSite"
