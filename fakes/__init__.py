"""Test doubles of the external desks: real HTTP servers on 127.0.0.1 that reproduce Zendesk and Zoho Desk.

Used by the tests and by ``manage.py run_fake``; never by the product itself.
"""
