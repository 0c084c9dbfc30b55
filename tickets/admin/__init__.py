"""The agent console: the ticket queue and page, macros, and the desk's configuration."""

from tickets.admin import configuration, custom_fields, macros, queue, records  # noqa: F401 - registers the model admins
