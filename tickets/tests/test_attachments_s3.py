"""Attachments on S3 storage, against a real S3 API on 127.0.0.1 (moto's server): what production runs on.

The storage is configured as helpdesk/settings.py does when AWS_STORAGE_BUCKET_NAME is set; uploads,
downloads and deletes go through the API and are checked in the bucket itself.
"""

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from faults import procs
from tickets import services
from tickets.models import Attachment
from tickets.tests.factories import category

BUCKET = "helpdesk-test-attachments"
CREDENTIALS = {"access_key": "test", "secret_key": "test-secret", "region_name": "us-east-1"}  # moto accepts any
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def s3_api():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=procs.free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield url, client
    server.stop()


@pytest.fixture
def bucket(s3_api, settings):
    url, client = s3_api
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"location": "attachments", "bucket_name": BUCKET, "endpoint_url": url, **CREDENTIALS},
        },
    }
    return client


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.mark.django_db
def test_upload_lands_in_the_bucket_downloads_the_same_bytes_and_delete_removes_it(
    bucket, api, customer, django_capture_on_commit_callbacks
):
    ticket = services.ticket_create(actor=customer, subject="Scanner jams", category=category())
    client = api(customer)

    created = client.post(
        f"/api/v1/tickets/{ticket.pk}/attachments", {"file": SimpleUploadedFile("scan.pdf", PDF)}, format="multipart"
    )

    assert created.status_code == 201, created.json()
    name = Attachment.objects.get(pk=created.json()["id"]).file.name
    key = f"attachments/{name}"
    assert key in keys(bucket)
    assert bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PDF
    download = client.get(f"/api/v1/attachments/{created.json()['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="scan.pdf"'

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/attachments/{created.json()['id']}").status_code == 204
    assert key not in keys(bucket)


@pytest.mark.django_db
def test_two_files_with_the_same_name_never_overwrite_each_other(bucket, api, customer):
    ticket = services.ticket_create(actor=customer, subject="Two logs", category=category())
    client = api(customer)

    ids = [
        client.post(
            f"/api/v1/tickets/{ticket.pk}/attachments",
            {"file": SimpleUploadedFile("app.log", content)},
            format="multipart",
        ).json()["id"]
        for content in (b"first run\n", b"second run\n")
    ]

    contents = [b"".join(client.get(f"/api/v1/attachments/{pk}").streaming_content) for pk in ids]
    assert contents == [b"first run\n", b"second run\n"]
    names = set(Attachment.objects.filter(pk__in=ids).values_list("file", flat=True))
    assert len(names) == 2
    assert {f"attachments/{name}" for name in names} <= keys(bucket)
