"""Several application servers: with STORAGE_BACKEND=s3, documents, signed PDFs and import files
go to one S3-compatible bucket (here moto's in-process S3), never to a server's own disk, and any
server reads back what another one wrote."""

import boto3
import pytest
from django.core.files.storage import StorageHandler
from django.urls import reverse
from moto import mock_aws

from config.settings.base import storages_from_env
from conventions.models import Amendment, Convention
from documents.models import Document
from tests.factories import ConventionFactory, DocumentFactory, MembershipFactory
from tests.samples import pdf_bytes, upload

BUCKET = "conventions-test"
REGION = "eu-west-3"
PRIVATE_FILE_FIELDS = [(Convention, "signed_pdf"), (Amendment, "signed_pdf"), (Document, "file")]


@pytest.fixture
def bucket(db, settings, monkeypatch):
    """The environment of an S3 deployment, and its bucket."""
    for name, value in {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, "S3_REGION": REGION,
                        "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = storages_from_env()
        # At start-up the file fields take their storage from the settings: do the same here.
        for model, name in PRIVATE_FILE_FIELDS:
            monkeypatch.setattr(model._meta.get_field(name), "storage", StorageHandler(settings.STORAGES)["private"])
        yield s3


def keys(s3) -> list[str]:
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def another_server(settings):
    """A storage as another application server builds it from the same settings."""
    return StorageHandler(settings.STORAGES)["private"]


def test_a_document_uploaded_on_one_server_is_in_the_bucket_and_served_by_another(client, settings, bucket):
    document = DocumentFactory(convention=ConventionFactory())
    client.force_login(MembershipFactory(beneficiary=document.convention.beneficiary).user)
    content = pdf_bytes()
    url_args = {"convention_pk": document.convention_id, "pk": document.pk}

    response = client.post(reverse("portal_conventions:document_upload", kwargs=url_args),
                           {f"doc{document.pk}-file": upload("statuts.pdf", content)})

    assert response.status_code == 302
    document.refresh_from_db()
    assert keys(bucket) == [f"private/{document.file.name}"]
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=f"private/{document.file.name}")["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]  # not readable by the public
    with another_server(settings).open(document.file.name, "rb") as stored:
        assert stored.read() == content
    download = client.get(reverse("portal_conventions:document_file", kwargs=url_args))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content


def test_the_signed_agreement_pdf_is_frozen_into_the_bucket(settings, bucket, seed_convention):
    from django.contrib.auth import get_user_model

    from tests.pdf_helpers import sign_and_freeze

    convention = sign_and_freeze(seed_convention, user=get_user_model().objects.get(username="agent"))

    assert f"private/{convention.signed_pdf.name}" in keys(bucket)
    with another_server(settings).open(convention.signed_pdf.name, "rb") as stored:
        assert stored.read().startswith(b"%PDF-")


def test_import_files_waiting_for_confirmation_are_private_and_shared(settings, bucket):
    from import_export.tmp_storages import MediaStorage

    kept = MediaStorage()
    kept.save(b"compte;montant\n606;1200\n")

    assert keys(bucket) == [f"private/django-import-export/{kept.name}"]
    assert MediaStorage(name=kept.name).read() == b"compte;montant\n606;1200\n"  # read back by another request
