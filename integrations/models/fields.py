"""``EncryptedTextField``: a secret kept encrypted in its column and plain only in memory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.models.lookups import Exact
from django.db.models.query_utils import DeferredAttribute

from integrations.crypto import DecryptionError, decrypt, encrypt

# Every Fernet token starts with its version byte 0x80 and a timestamp: "gAAAAA" in base64.
_CIPHERTEXT_PREFIX = "gAAAAA"


class Secret(str):
    """A plaintext secret: an ordinary ``str`` except that ``repr()`` hides it.

    Tracebacks, Django's debug page and ``%r`` in logs show ``Secret('********')``;
    ``str()``, f-strings, ``==`` and HTTP headers see the value.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('********')" if self else "Secret('')"


class _SecretDescriptor(DeferredAttribute):
    # A data descriptor, so whatever is assigned (a form's value, a client's new token) is a Secret too.
    def __set__(self, instance: models.Model, value: Any) -> None:
        if isinstance(value, str) and not isinstance(value, Secret):
            value = Secret(value)
        instance.__dict__[self.field.attname] = value


class _NotSetOnlyExact(Exact):
    """``field=""`` (not set) only: any other value would silently match nothing, so it is refused."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise ValueError(
                f'{self.lhs.target.name}: an encrypted field can only be compared with "" (not set); '
                "equal secrets never have equal ciphertexts."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with ``integrations.crypto``: the column holds the ciphertext.

    - On the model the value is the plaintext (a ``Secret``); ``""`` means "not set" and is
      stored as ``""``. Reading a row whose ciphertext no configured key opens raises
      ``DecryptionError``.
    - Lookups: only ``exact`` and ``isnull``, and ``exact`` only with ``""`` (``field=""``: not
      set): encryption is randomised, so equal secrets never have equal ciphertexts.
      ``QuerySet.update(field=value)`` encrypts like ``save()``.
    - Forms get a ``PasswordInput`` that never renders the value.
    - ``dumpdata`` writes the ciphertext, and ``loaddata`` (``to_python``) opens a ciphertext
      made by one of our keys, so a dump carries no plaintext and loads back as it was.
    """

    descriptor_class = _SecretDescriptor

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret | None:
        if value is None:
            return None
        return Secret(decrypt(value))

    def to_python(self, value: Any) -> Secret | None:
        if value is None or isinstance(value, Secret):
            return value
        value = str(value)
        if value.startswith(_CIPHERTEXT_PREFIX):
            # A value only our keys could have sealed is one of ours (a dump being loaded).
            try:
                return Secret(decrypt(value))
            except DecryptionError:
                pass
        return Secret(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str):
        if lookup_name == "exact":
            return _NotSetOnlyExact
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        return encrypt(str(self.value_from_object(obj) or ""))

    def formfield(self, **kwargs: Any) -> forms.Field:
        kwargs.setdefault("widget", forms.PasswordInput(render_value=False))
        return super().formfield(**kwargs)
