"""The agent console: the ticket queue and page, canned responses, and the desk's configuration."""

from tickets.admin import canned, configuration, custom_fields, queue, records  # noqa: F401 - registers the model admins
