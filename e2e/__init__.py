"""End-to-end tests: real flows in a headless Chromium (Debian's) against pytest-django's live server."""
