"""A minimal Django project serving django-helpdesk, for ``make bench-compare`` only.

It runs in its own virtualenv (.venv-compare) with this folder (bench/compare/site) as its working
directory: django-helpdesk's package is also called ``helpdesk``, so it must never share a process
or an import path with the product.
"""
