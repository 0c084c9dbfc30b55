"""``/api/v1/integrations/``: seed 000's Zoho Desk proxy and seed 001's Zendesk endpoints."""
