"""``/integrations/``: the desks' webhook receivers (no session, no CSRF: each delivery proves itself)."""

from django.urls import path

from integrations import webhooks

app_name = "integrations"

urlpatterns = [
    path("zendesk/webhook", webhooks.zendesk_webhook, name="zendesk-webhook"),
    path("zoho/webhook", webhooks.zoho_webhook, name="zoho-webhook"),
]
