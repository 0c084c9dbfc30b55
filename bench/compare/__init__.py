"""``make bench-compare``: django-helpdesk's ticket API beside ours, on the same 10,000 tickets, in one run.

``__main__`` (the product's virtualenv) drives it; ``site/`` is a minimal Django project that serves
django-helpdesk from a virtualenv of its own (``requirements.txt``, pinned) and copies the tickets.
"""
