"""Secrets at rest: Fernet with rotating keys, a key derived from SECRET_KEY when none is set, and the field."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core import serializers
from django.core.management import call_command
from django.db import connection as db

from integrations import crypto
from integrations.models import SECRET_FIELDS, Connection, Secret
from integrations.tests.factories import ZendeskConnectionFactory

PLAINTEXT = "oauth-access-token-0123456789abcdef"
OLD_KEY, NEW_KEY = crypto.generate_key(), crypto.generate_key()


def raw_column(connection: Connection, field: str) -> str:
    """The column as stored, bypassing the model field."""
    column = Connection._meta.get_field(field).column
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_connection WHERE id = %s", [connection.pk])  # noqa: S608
        return cursor.fetchone()[0]


class TestEncryptDecrypt:
    def test_round_trip(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY]
        for text in [PLAINTEXT, "ünïcode ✓ секрет", "x"]:
            ciphertext = crypto.encrypt(text)
            assert ciphertext.startswith("gAAAAA") and crypto.decrypt(ciphertext) == text
        assert PLAINTEXT not in crypto.encrypt(PLAINTEXT)

    def test_the_empty_string_means_not_set_and_is_stored_as_it_is(self):
        assert crypto.encrypt("") == "" and crypto.decrypt("") == ""

    def test_each_encryption_differs(self):
        assert crypto.encrypt(PLAINTEXT) != crypto.encrypt(PLAINTEXT)

    def test_a_value_no_key_opens_is_refused_without_showing_it(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = [OLD_KEY]
        ciphertext = crypto.encrypt(PLAINTEXT)
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY]
        settings.SECRET_KEY = "another-secret-key-of-at-least-32-characters"
        with pytest.raises(crypto.DecryptionError) as caught:
            crypto.decrypt(ciphertext)
        assert ciphertext not in str(caught.value)
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt("not a ciphertext at all")


class TestRotation:
    def test_old_keys_still_decrypt_and_new_writes_use_the_first_key(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = [OLD_KEY]
        old = crypto.encrypt(PLAINTEXT)
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
        assert crypto.decrypt(old) == PLAINTEXT
        new = crypto.encrypt(PLAINTEXT)
        assert Fernet(NEW_KEY.encode()).decrypt(new.encode()).decode() == PLAINTEXT
        rotated = crypto.reencrypt(old)
        assert Fernet(NEW_KEY.encode()).decrypt(rotated.encode()).decode() == PLAINTEXT

    @pytest.mark.django_db
    def test_reencrypting_the_connections_lets_the_old_key_go(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = [OLD_KEY]
        connection = ZendeskConnectionFactory(access_token=PLAINTEXT, refresh_token="refresh-0123456789")
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]
        out = StringIO()
        call_command("reencrypt_secrets", stdout=out)
        assert "secrets of 1 connection(s)" in out.getvalue() and PLAINTEXT not in out.getvalue()
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY]
        connection.refresh_from_db()
        assert (connection.access_token, connection.refresh_token) == (PLAINTEXT, "refresh-0123456789")
        assert raw_column(connection, "api_token") == ""

    def test_without_a_key_one_is_derived_from_secret_key(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = []
        assert crypto.uses_derived_key()
        ciphertext = crypto.encrypt(PLAINTEXT)
        derived = crypto.derive_key(settings.SECRET_KEY)
        assert Fernet(derived).decrypt(ciphertext.encode()).decode() == PLAINTEXT
        # A key set later still reads what the derived key wrote.
        settings.INTEGRATIONS_ENCRYPTION_KEY = [NEW_KEY]
        assert crypto.decrypt(ciphertext) == PLAINTEXT

    def test_a_rotated_secret_key_needs_the_old_one_among_the_fallbacks(self, settings):
        settings.INTEGRATIONS_ENCRYPTION_KEY = []
        ciphertext = crypto.encrypt(PLAINTEXT)
        old_secret = settings.SECRET_KEY
        settings.SECRET_KEY = "a-brand-new-secret-key-of-at-least-32-characters"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(ciphertext)
        settings.SECRET_KEY_FALLBACKS = [old_secret]
        assert crypto.decrypt(ciphertext) == PLAINTEXT


class TestCheck:
    def test_production_without_a_key_is_warned(self, settings):
        settings.DEBUG, settings.INTEGRATIONS_ENCRYPTION_KEY = False, []
        [warning] = crypto.check_encryption_key()
        assert warning.id == "integrations.W001"

    def test_no_warning_with_a_key_or_in_development(self, settings):
        settings.DEBUG, settings.INTEGRATIONS_ENCRYPTION_KEY = False, [NEW_KEY]
        assert crypto.check_encryption_key() == []
        settings.DEBUG, settings.INTEGRATIONS_ENCRYPTION_KEY = True, []
        assert crypto.check_encryption_key() == []

    def test_a_malformed_key_stops_the_start_without_showing_it(self):
        env = {**os.environ, "INTEGRATIONS_ENCRYPTION_KEY": f"{NEW_KEY},not-a-fernet-key"}
        result = subprocess.run(  # noqa: S603 - our own interpreter and settings
            [sys.executable, "-c", "import helpdesk.settings"],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode != 0
        assert "INTEGRATIONS_ENCRYPTION_KEY: key 2 is not a Fernet key" in result.stderr
        assert "not-a-fernet-key" not in result.stderr


@pytest.mark.django_db
class TestEncryptedField:
    def test_the_column_holds_ciphertext_and_the_model_the_plaintext(self):
        connection = ZendeskConnectionFactory(access_token=PLAINTEXT, webhook_secret="whsec-0123456789")
        stored = raw_column(connection, "access_token")
        assert stored.startswith("gAAAAA") and PLAINTEXT not in stored
        assert "whsec-0123456789" not in raw_column(connection, "webhook_secret")
        loaded = Connection.objects.get(pk=connection.pk)
        assert loaded.access_token == PLAINTEXT and isinstance(loaded.access_token, Secret)
        assert raw_column(connection, "refresh_token") == "" and loaded.refresh_token == ""

    def test_update_encrypts_like_save(self):
        connection = ZendeskConnectionFactory()
        Connection.objects.filter(pk=connection.pk).update(refresh_token=PLAINTEXT)
        assert PLAINTEXT not in raw_column(connection, "refresh_token")
        connection.refresh_from_db()
        assert connection.refresh_token == PLAINTEXT

    def test_not_set_can_be_queried(self):
        with_token = ZendeskConnectionFactory(access_token=PLAINTEXT)
        without = ZendeskConnectionFactory()
        assert list(Connection.objects.filter(access_token="")) == [without]
        assert list(Connection.objects.exclude(access_token="")) == [with_token]

    def test_comparing_with_a_secret_is_refused_not_silently_empty(self):
        ZendeskConnectionFactory(client_secret="s3cret-value-0123456789")
        with pytest.raises(ValueError, match="only be compared with"):
            list(Connection.objects.filter(client_secret="s3cret-value-0123456789"))
        assert Connection.objects.filter(webhook_secret="").count() == 1

    def test_secrets_stay_out_of_repr_and_str(self):
        connection = ZendeskConnectionFactory(access_token=PLAINTEXT)
        connection.refresh_token = "refresh-0123456789"
        loaded = Connection.objects.get(pk=connection.pk)
        for text in [repr(connection), str(connection), repr(loaded), repr(vars(loaded)), repr(connection.__dict__)]:
            assert PLAINTEXT not in text and "refresh-0123456789" not in text
        assert repr(loaded.access_token) == "Secret('********')"
        assert f"Bearer {loaded.access_token}" == f"Bearer {PLAINTEXT}"

    def test_a_dump_carries_ciphertext_and_loads_back(self):
        connection = ZendeskConnectionFactory(access_token=PLAINTEXT)
        dumped = serializers.serialize("json", [connection])
        assert PLAINTEXT not in dumped and connection.client_secret not in dumped
        Connection.objects.all().delete()
        for item in serializers.deserialize("json", dumped):
            item.save()
        loaded = Connection.objects.get()
        assert loaded.access_token == PLAINTEXT and loaded.client_secret == connection.client_secret

    def test_every_secret_field_is_encrypted(self):
        values = {name: f"{name}-value-0123456789" for name in SECRET_FIELDS}
        connection = ZendeskConnectionFactory(**values)
        for name, value in values.items():
            assert value not in raw_column(connection, name)
