"""Live alerts and presence: what an open console or portal page is told without a reload.

``alerts`` reads a user's new in-app notifications (the alert *is* the notification row, so
its id is the stream's event id and a reconnect resumes after ``Last-Event-ID``), ``presence``
records who has a ticket open, and ``stream`` is the Server-Sent Events view that sends both.
"""
