"""Documents on the portal: one upload slot per expected document, files checked by content,
a size limit, private storage, served only to the association's members and to staff."""

from datetime import date
from html import unescape

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document, DocumentKind, DocumentStatus
from documents.services import document_reject, document_upload
from tests.factories import ConventionFactory, DocumentFactory, MembershipFactory
from tests.samples import image_bytes, pdf_bytes, upload


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def document(db):
    return DocumentFactory(convention=ConventionFactory(reference="AMP-2025-DOC"), kind=DocumentKind.INSURANCE,
                           due_on=date(2025, 6, 30))


@pytest.fixture
def member(client, document):
    user = MembershipFactory(beneficiary=document.convention.beneficiary).user
    client.force_login(user)
    return user


def list_url(document):
    return reverse("portal_conventions:documents", kwargs={"convention_pk": document.convention_id})


def upload_url(document):
    return reverse("portal_conventions:document_upload", kwargs={"convention_pk": document.convention_id, "pk": document.pk})


def file_url(document):
    return reverse("portal_conventions:document_file", kwargs={"convention_pk": document.convention_id, "pk": document.pk})


def post_file(client, document, name, content, content_type="application/pdf"):
    return client.post(upload_url(document), {f"doc{document.pk}-file": upload(name, content, content_type)})


def test_a_real_pdf_is_received_stored_under_a_random_name_and_served_to_the_member(client, member, document):
    content = pdf_bytes()
    response = post_file(client, document, "attestation assurance.pdf", content)
    assert response.status_code == 302 and response["Location"].endswith(f"#document-{document.pk}")

    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED and document.uploaded_at is not None
    stored = document.file.name
    assert stored.startswith("documents/") and stored.endswith(".pdf") and "attestation" not in stored
    assert len(stored.removeprefix("documents/").removesuffix(".pdf")) >= 32
    assert "« Attestation d'assurance » est bien déposé." in text(client.get(list_url(document)))

    download = client.get(file_url(document))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="attestation-dassurance-amp-2025-doc.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


def test_the_file_is_not_reachable_outside_the_authorising_view(client, member, document):
    post_file(client, document, "a.pdf", pdf_bytes())
    document.refresh_from_db()
    assert client.get("/non-public/" + document.file.name).status_code == 404
    assert client.get("/media/" + document.file.name).status_code == 404


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("attestation.pdf", b"Ceci est un simple texte, pas un PDF.\n" * 20, "application/pdf"),
        ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
        ("scan.jpg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/jpeg"),
        ("rapport.docx", b"PK\x03\x04" + b"\x00" * 200, "application/pdf"),
    ],
    ids=["text-named-pdf", "html-named-png", "gif-named-jpg", "zip-office-file"],
)
def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_whatever_its_name(client, member, document, name, content, content_type):
    response = post_file(client, document, name, content, content_type)
    assert response.status_code == 200
    page = text(response)
    assert "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (quel que soit son nom)." in page
    assert 'class="error-summary"' in page and f'href="#id_doc{document.pk}-file"' in page
    assert f'aria-describedby="id_doc{document.pk}-file_helptext id_doc{document.pk}-file_error"' in page
    document.refresh_from_db()
    assert document.status == DocumentStatus.EXPECTED and not document.file


@pytest.mark.parametrize(
    "content, message",
    [
        (pdf_bytes()[:60], "Ce fichier commence comme un PDF mais ne peut pas être lu"),
        (b"%PDF-1.7\n" + b"n'importe quoi" * 40, "Ce fichier commence comme un PDF mais ne peut pas être lu"),
        (image_bytes("PNG")[:30], "Cette image ne peut pas être lue"),
        (image_bytes("JPEG")[:12], "Cette image ne peut pas être lue"),
    ],
    ids=["truncated-pdf", "fake-pdf-header", "truncated-png", "truncated-jpeg"],
)
def test_a_damaged_file_is_refused_with_a_french_message(client, member, document, content, message):
    response = post_file(client, document, "piece.pdf", content)
    assert message in text(response)
    document.refresh_from_db()
    assert document.status == DocumentStatus.EXPECTED and not document.file


@pytest.mark.parametrize(
    "name, image_format, extension, content_type",
    [("scan.pdf", "PNG", "png", "image/png"), ("scan.jpeg", "JPEG", "jpg", "image/jpeg"), ("IMG.PNG", "PNG", "png", "image/png")],
    ids=["png-renamed-pdf", "jpeg", "png-uppercase"],
)
def test_an_image_is_accepted_as_what_it_really_is(client, member, document, name, image_format, extension, content_type):
    """Decision: a PNG named « .pdf » is accepted AS A PNG (stored and served as image/png)."""
    post_file(client, document, name, image_bytes(image_format), "application/pdf")
    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED and document.file.name.endswith(f".{extension}")
    download = client.get(file_url(document))
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].endswith(f'.{extension}"')


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=2048)
def test_a_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(client, member, document):
    response = post_file(client, document, "gros.png", image_bytes("PNG", size=(300, 300)) + b"\x00" * 4096)
    page = text(response)
    assert "Ce fichier pèse" in page and "la limite est de 2\u00a0Ko" in page
    assert "PDF, JPEG ou PNG, 2\u00a0Ko au plus." in page  # the limit is announced beside the field
    document.refresh_from_db()
    assert not document.file


def test_the_default_size_limit_is_ten_megabytes(client, member, document):
    assert "PDF, JPEG ou PNG, 10\u00a0Mo au plus." in text(client.get(list_url(document)))


@pytest.mark.parametrize("files, message", [({}, "Choisissez un fichier à déposer."),
                                            ({"file": ("vide.pdf", b"")}, "Ce fichier est vide.")])
def test_a_missing_or_empty_file_is_refused(client, member, document, files, message):
    data = {f"doc{document.pk}-file": upload(*files["file"])} if files else {}
    assert message in text(client.post(upload_url(document), data))


def test_a_form_posted_twice_keeps_one_document_and_one_file(client, member, document):
    content = pdf_bytes()
    post_file(client, document, "a.pdf", content)
    document.refresh_from_db()
    first_name = document.file.name
    response = post_file(client, document, "a.pdf", content)
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.file.name == first_name
    assert Document.objects.filter(convention=document.convention).count() == 1
    assert document.history.filter(history_type="~").count() == 1


def test_a_new_file_replaces_a_rejected_one_and_the_old_file_is_kept(client, member, document):
    document_upload(document=document, uploaded=upload("v1.pdf", pdf_bytes()))
    document.refresh_from_db()
    old = document.file.name
    document_reject(document=document, reason="Attestation de l'an dernier.")
    page = text(client.get(list_url(document)))
    assert "Refusé par le service instructeur." in page and "Attestation de l'an dernier." in page

    post_file(client, document, "v2.pdf", pdf_bytes(pages=2))
    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED and document.rejection_reason == ""
    assert document.file.name != old and document.file.storage.exists(old)
    assert list(document.history.values_list("file", flat=True))[-1] == ""  # created without a file
    assert old in document.history.values_list("file", flat=True)  # the audit keeps the first file


def test_an_accepted_document_can_no_longer_be_replaced(client, member, document):
    document_upload(document=document, uploaded=upload("v1.pdf", pdf_bytes()))
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.ACCEPTED)
    page = text(client.get(list_url(document)))
    assert "Accepté par le service instructeur" in page and upload_url(document) not in page

    response = post_file(client, document, "v2.pdf", pdf_bytes(pages=2))
    assert "Ce justificatif a déjà été accepté par le service instructeur" in text(response)


def test_the_page_shows_each_slot_with_its_due_date_state_and_overdue_flag(client, member, document):
    DocumentFactory(convention=document.convention, kind=DocumentKind.STATUTES, due_on=None,
                    status=DocumentStatus.ACCEPTED, pk=12345)
    page = text(client.get(list_url(document)))
    assert 'id="document-12345"' in page  # the anchor the upload redirects to, not « 12 345 »
    assert "Attestation d'assurance" in page and 'À fournir avant le <time datetime="2025-06-30">30 juin 2025</time>' in page
    assert "En retard" in page and "Statuts" in page and "Sans date limite" in page
    assert page.index("Attestation d'assurance") < page.index("Statuts")  # to do first, accepted last


def test_the_page_has_a_useful_empty_state(client, db):
    convention = ConventionFactory()
    client.force_login(MembershipFactory(beneficiary=convention.beneficiary).user)
    response = client.get(reverse("portal_conventions:documents", kwargs={"convention_pk": convention.pk}))
    assert "Aucun justificatif n'est demandé pour cette convention pour le moment." in text(response)


def test_the_documents_page_query_count_is_flat(client, member, document):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(list_url(document)).status_code == 200
        return len(ctx.captured_queries)

    client.get(list_url(document))
    before = count()
    for kind in (DocumentKind.STATUTES, DocumentKind.BANK_DETAILS, DocumentKind.ACTIVITY_REPORT):
        document_upload(document=DocumentFactory(convention=document.convention, kind=kind),
                        uploaded=upload("x.pdf", pdf_bytes()))
    # session, user, agreement, documents, the header's associations, and the request's savepoint
    assert count() == before == 7


# -- who may download -----------------------------------------------------------------------------

@pytest.fixture
def uploaded(document):
    document_upload(document=document, uploaded=upload("a.pdf", pdf_bytes()))
    document.refresh_from_db()
    return document


def test_a_member_of_another_association_gets_404(client, uploaded):
    client.force_login(MembershipFactory().user)
    assert client.get(file_url(uploaded)).status_code == 404
    assert client.get(list_url(uploaded)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, uploaded):
    response = client.get(file_url(uploaded))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_a_member_whose_membership_was_revoked_gets_404(client, member, uploaded):
    member.memberships.update(is_active=False)
    assert client.get(file_url(uploaded)).status_code == 404


@pytest.mark.parametrize("username", ["agent", "finance"])
def test_staff_download_from_the_admin(client, demo, uploaded, username):
    client.login(username=username, password="demo")
    response = client.get(reverse("admin:documents_document_file", args=[uploaded.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_member_cannot_use_the_staff_download(client, member, uploaded):
    response = client.get(reverse("admin:documents_document_file", args=[uploaded.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# -- staff review in the admin --------------------------------------------------------------------

def test_the_agent_rejects_with_a_reason_the_member_reads(agent_client, uploaded, django_capture_on_commit_callbacks):
    MembershipFactory(beneficiary=uploaded.convention.beneficiary, user__email="tresoriere@example.invalid")
    change = reverse("admin:documents_document_change", args=[uploaded.pk])
    assert "Refuser avec un motif" in text(agent_client.get(change))
    reject = reverse("admin:documents_document_reject", args=[uploaded.pk])
    form_page = text(agent_client.get(reject))
    assert "› Refuser" in form_page and 'value="Refuser la pièce"' in form_page
    assert f'href="{change}" class="closelink">Annuler' in form_page

    response = agent_client.post(reject, {"reason": ""})
    assert response.status_code == 200 and "Ce champ est obligatoire." in text(response)
    uploaded.refresh_from_db()
    assert uploaded.status == DocumentStatus.RECEIVED

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(reject, {"reason": "Attestation expirée au 31/12/2024."})
    assert response.status_code == 302
    uploaded.refresh_from_db()
    assert uploaded.status == DocumentStatus.REJECTED and uploaded.rejection_reason == "Attestation expirée au 31/12/2024."
    assert uploaded.history.first().history_user.username == "agent"
    message = mail.outbox[-1]
    assert message.to == ["tresoriere@example.invalid"]
    assert message.subject == "Justificatif à déposer de nouveau : Attestation d'assurance — AMP-2025-DOC"
    assert "Motif : Attestation expirée au 31/12/2024." in message.body
    # the link is built from the site's address (settings), not from the page that rejected it
    assert f"{settings.SITE_URL}/portail/conventions/{uploaded.convention_id}/justificatifs/" in message.body


def test_the_agent_accepts_a_received_document(agent_client, uploaded):
    response = agent_client.post(reverse("admin:documents_document_accept", args=[uploaded.pk]), follow=True)
    assert "est accepté." in text(response)
    uploaded.refresh_from_db()
    assert uploaded.status == DocumentStatus.ACCEPTED


def test_a_document_not_received_cannot_be_accepted(agent_client, document):
    response = agent_client.post(reverse("admin:documents_document_accept", args=[document.pk]), follow=True)
    assert "Seul un justificatif reçu peut être accepté." in text(response)
    document.refresh_from_db()
    assert document.status == DocumentStatus.EXPECTED


def test_finance_cannot_review_documents(client, demo, uploaded):
    client.login(username="finance", password="demo")
    assert client.post(reverse("admin:documents_document_accept", args=[uploaded.pk])).status_code == 403
