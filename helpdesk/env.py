"""Typed readers for settings that come from the environment.

Each reader fails loudly, naming the variable and what it expected, so a bad
deployment stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re

from django.core.exceptions import ImproperlyConfigured

from helpdesk.clamd import parse_address

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def read_env_file(path: str | os.PathLike[str]) -> None:
    """Put a ``.env`` file's ``NAME=value`` lines into the environment, never over a variable already set.

    `make run` writes one for local development, so every command typed in
    another terminal sees the same settings. Blank lines and ``#`` comments are
    skipped; a value may be wrapped in single or double quotes.
    """
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                name, equals, value = line.removeprefix("export ").partition("=")
                name, value = name.strip(), value.strip()
                if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value.")
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]
                os.environ.setdefault(name, value)
    except FileNotFoundError:
        return


def env_alias(name: str, *others: str) -> None:
    """Let another spelling of a variable (seed 004's names) stand in for ``name`` when ``name`` is unset."""
    if _raw(name):
        return
    for other in others:
        if value := _raw(other):
            os.environ[name] = value
            return


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | object = _MISSING) -> str:
    value = _raw(name)
    if value:
        return value
    if default is _MISSING:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default  # type: ignore[return-value]


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (_raw(name) or default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as ``60/min``."""
    value = _raw(name) or default
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 60/min or 1000/hour, not {value!r}.")
    return value


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (``10.0.0.5, 10.0.0.0/8``); none by default."""
    values = env_list(name, [])
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network (10.0.0.5, 10.0.0.0/8)."
            ) from None
    return values


def env_socket_url(name: str, default: str) -> str:
    """A service's socket as a URL: ``tcp://host:port`` or ``unix:///path/to/socket``."""
    value = _raw(name) or default
    try:
        parse_address(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}, not {value!r}.") from None
    return value


def env_fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys (32 bytes, url-safe base64); a bad one is named by position, never echoed."""
    keys = env_list(name, [])
    for position, key in enumerate(keys, start=1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
        except (ValueError, binascii.Error):
            valid = False
        if not valid:
            raise ImproperlyConfigured(f"{name}: key {position} is not a Fernet key (32 bytes, url-safe base64).")
    return keys


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def env_origins(name: str) -> list[str]:
    """Comma-separated web origins (``https://app.example.com``, ``http://localhost:3000``); none by default.

    An origin is a scheme, a host and an optional port: no path, no trailing slash, no wildcard,
    because a browser compares them letter for letter.
    """
    values = env_list(name, [])
    for value in values:
        if not _ORIGIN.match(value):
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an origin: scheme://host[:port], no path (https://app.example.com)."
            )
    return values
