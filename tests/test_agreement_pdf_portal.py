"""Members download their signed agreement and amendments; nobody else, and nothing unsigned."""


import pytest
from django.urls import reverse

from beneficiaries.models import Membership
from conventions.models import Amendment, AmendmentStatus, Convention
from dossier.printing.freeze import convention_freeze_signed_pdf
from tests.factories import UserFactory
from tests.pdf_helpers import clean_private_files, pdf_text, sign_and_freeze_pim_amendment  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_private_files")


def login(client, username):
    client.login(username=username, password="demo")
    return client


@pytest.fixture
def signed_jph(demo):
    """The Jardins partagés' 2025 agreement (member: asso2), signed and frozen."""
    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    convention_freeze_signed_pdf(convention=convention, user=None)
    convention.refresh_from_db()
    return convention


def signed_url(convention):
    return reverse("portal_conventions:signed_pdf", args=[convention.pk])


def test_a_member_downloads_the_exact_signed_bytes(client, signed_jph):
    response = login(client, "asso2").get(signed_url(signed_jph))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="convention-AMP-2025-ENV-JPH-signee.pdf"'
    with signed_jph.signed_pdf.open("rb") as stored:
        assert response.content == stored.read()
    assert "Les Jardins partagés de l'Huveaune" in pdf_text(response.content)


def test_a_member_of_another_association_gets_404(client, signed_jph):
    assert login(client, "scs").get(signed_url(signed_jph)).status_code == 404


def test_an_agreement_not_yet_signed_gets_404(client, demo):
    draft = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    assert login(client, "asso2").get(signed_url(draft)).status_code == 404
    seed = Convention.objects.get(reference="AMP-2023-DEVECO-SCS")
    assert login(client, "scs").get(signed_url(seed)).status_code == 404


def test_a_signed_agreement_without_its_stored_pdf_gets_404(client, demo):
    active = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    assert login(client, "asso2").get(signed_url(active)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, signed_jph):
    response = client.get(signed_url(signed_jph))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_an_altered_signed_pdf_is_refused_in_french(client, signed_jph):
    with open(signed_jph.signed_pdf.path, "ab") as stored:
        stored.write(b"%% altered")
    response = login(client, "asso2").get(signed_url(signed_jph))
    assert response.status_code == 409
    assert "ne correspond plus à son empreinte SHA-256" in response.content.decode()


@pytest.fixture
def pim_member(demo):
    """A member of Provence Images en mouvement, whose 2026 agreement has an amendment."""
    convention = Convention.objects.get(reference="AMP-2026-CULT-PIM")
    user = UserFactory(username="pim")
    Membership.objects.create(user=user, beneficiary=convention.beneficiary)
    return user


@pytest.fixture
def signed_amendment(pim_member):
    return sign_and_freeze_pim_amendment()


def amendment_url(convention_pk, amendment_pk):
    return reverse("portal_conventions:amendment_signed_pdf", args=[convention_pk, amendment_pk])


def test_a_member_downloads_a_signed_amendment(client, pim_member, signed_amendment):
    client.force_login(pim_member)
    response = client.get(amendment_url(signed_amendment.convention_id, signed_amendment.pk))
    assert response.status_code == 200
    with signed_amendment.signed_pdf.open("rb") as stored:
        assert response.content == stored.read()
    assert "Avenant n° 1" in pdf_text(response.content)


def test_another_associations_member_gets_404_for_an_amendment(client, signed_amendment):
    response = login(client, "asso2").get(amendment_url(signed_amendment.convention_id, signed_amendment.pk))
    assert response.status_code == 404


def test_an_amendment_under_another_agreements_id_gets_404(client, pim_member, signed_amendment):
    membership_of_jph = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    Membership.objects.create(user=pim_member, beneficiary=membership_of_jph.beneficiary)
    client.force_login(pim_member)
    assert client.get(amendment_url(membership_of_jph.pk, signed_amendment.pk)).status_code == 404


def test_an_unsigned_amendment_gets_404(client, pim_member):
    amendment = Amendment.objects.get(convention__reference="AMP-2026-CULT-PIM", number=1)
    client.force_login(pim_member)
    assert client.get(amendment_url(amendment.convention_id, amendment.pk)).status_code == 404


def documents_url(convention):
    return reverse("portal_conventions:signed_documents", args=[convention.pk])


def test_the_home_page_links_signed_agreements_to_their_documents(client, signed_jph):
    page = login(client, "asso2").get(reverse("portal:home")).content.decode()
    assert documents_url(signed_jph) in page
    draft = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    assert documents_url(draft) not in page


def test_the_documents_page_lists_the_signed_agreement_and_amendments(client, pim_member, signed_amendment):
    convention = signed_amendment.convention
    convention_freeze_signed_pdf(convention=convention, user=None)
    client.force_login(pim_member)
    page = client.get(documents_url(convention)).content.decode()
    assert reverse("portal_conventions:signed_pdf", args=[convention.pk]) in page
    assert amendment_url(convention.pk, signed_amendment.pk) in page
    assert "avenant n° 1 signé" in page


def test_the_documents_page_says_when_nothing_is_signed_yet(client, demo):
    active = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    page = login(client, "asso2").get(documents_url(active)).content.decode()
    assert "Aucun document signé n'est encore disponible" in page


def test_the_documents_page_of_another_association_gets_404(client, signed_jph):
    assert login(client, "scs").get(documents_url(signed_jph)).status_code == 404


def test_the_documents_page_query_count_does_not_grow_with_amendments(client, pim_member, signed_amendment):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    convention = signed_amendment.convention
    convention_freeze_signed_pdf(convention=convention, user=None)
    client.force_login(pim_member)
    with CaptureQueriesContext(connection) as before:
        client.get(documents_url(convention))
    for number in range(2, 6):
        Amendment.objects.create(convention=convention, number=number, subject=f"Avenant {number}", text="Texte",
                                 status=AmendmentStatus.SIGNED, signed_pdf=signed_amendment.signed_pdf.name,
                                 signed_pdf_sha256=signed_amendment.signed_pdf_sha256)
    with CaptureQueriesContext(connection) as after:
        page = client.get(documents_url(convention)).content.decode()
    assert "avenant n° 5 signé" in page
    assert len(after.captured_queries) == len(before.captured_queries) == 7  # 6, +1 for the header's association picker
