"""The LOGGING setting: one line per record on standard output (and a file when asked)."""

from __future__ import annotations


def logging_config(*, level: str, file: str) -> dict[str, object]:
    file_handler = {"file": {"class": "logging.FileHandler", "filename": file, "formatter": "plain"}} if file else {}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}, **file_handler},
        "root": {"handlers": ["console", *file_handler], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # The request log middleware writes one line per request; these would repeat it.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # Its debug lines carry whole URLs, and Zoho's token request has secrets in its query string.
            "urllib3": {"level": "WARNING"},
        },
    }
