"""``make bench-load``: a bounded load run of a mixed agent workload against our gunicorn on 127.0.0.1.

``__main__`` (the product's virtualenv) serves the app and runs locust; ``locustfile`` runs in locust's
own virtualenv (``requirements.txt``, pinned); ``workload`` says what an agent asks, and is plain Python
both can import.
"""
