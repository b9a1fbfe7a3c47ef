"""Legality control: transmission and receipt by the préfecture; enforceable from the receipt; shown everywhere."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.legality import enforceable_from, is_enforceable
from conventions.models import Convention
from conventions.services import convention_upsert
from dossier.printing.agreement import agreement_pdf_render
from tests.pdf_helpers import clean_private_files, pdf_pages, sign_and_freeze  # noqa: F401
from tests.test_audit_trail import assert_audited, staff_edit

JPH = "AMP-2025-ENV-JPH"  # the demo's active agreement: signed on 2 and 10 April 2025, received on 11 April


def login(client, username):
    client.login(username=username, password="demo")
    return client


def test_the_agreement_is_enforceable_from_its_receipt(demo):
    convention = Convention.objects.get(reference=JPH)
    assert enforceable_from(convention) == date(2025, 4, 11)
    assert is_enforceable(convention, on=date(2025, 4, 11)) and not is_enforceable(convention, on=date(2025, 4, 10))
    convention = convention_upsert(reference=JPH, legality_received_on=None)
    assert enforceable_from(convention) is None and not is_enforceable(convention)


def test_legality_dates_that_the_order_of_things_forbids_are_refused(demo):
    with pytest.raises(ValidationError) as error:
        convention_upsert(reference=JPH, legality_transmitted_on=date(2025, 4, 8), legality_received_on=date(2025, 4, 7))
    assert error.value.message_dict == {
        "legality_transmitted_on": ["La transmission au contrôle de légalité ne peut pas précéder la signature "
                                    "(le 10 avril 2025)."],
        "legality_received_on": ["La réception au contrôle de légalité ne peut pas précéder sa transmission "
                                 "(le 8 avril 2025)."],
    }
    with pytest.raises(ValidationError, match="porte sur la convention signée : enregistrez d'abord les signatures"):
        convention_upsert(reference="AMP-2023-DEVECO-SCS", legality_received_on=date(2023, 4, 6))
    assert Convention.objects.get(reference=JPH).legality_received_on == date(2025, 4, 11)


def test_the_admin_shows_enforceability_and_records_the_receipt_with_who_and_why(agent_client, demo):
    convention = Convention.objects.get(reference=JPH)
    page = agent_client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert "Contrôle de légalité" in page
    assert ("Exécutoire depuis le 11 avril 2025, date de sa réception au contrôle de légalité "
            "(transmise le 11 avril 2025).") in page
    history = staff_edit(agent_client, convention, legality_received_on="14/04/2025")
    convention.refresh_from_db()
    assert convention.legality_received_on == date(2025, 4, 14)
    assert_audited(convention, reason="Contrôle de légalité enregistré")
    assert "reçue au contrôle de légalité le" in history.lower()


def test_before_signature_the_legality_fields_are_read_only_in_the_admin(agent_client, seed_convention):
    response = agent_client.get(reverse("admin:conventions_convention_change", args=[seed_convention.pk]))
    form = response.context["adminform"].form
    assert "legality_received_on" not in form.fields and "legality_transmitted_on" not in form.fields
    assert ("La convention sera transmise au contrôle de légalité une fois signée ; elle sera exécutoire à compter "
            "de sa réception par la préfecture.") in response.content.decode()


def test_the_portal_shows_the_receipt_to_the_association(client, demo):
    convention = Convention.objects.get(reference=JPH)
    url = reverse("portal_conventions:signed_documents", args=[convention.pk])
    page = login(client, "asso2").get(url).content.decode()
    assert "Contrôle de légalité et caractère exécutoire" in page
    assert "Exécutoire depuis le 11 avril 2025, date de sa réception au contrôle de légalité" in page
    assert login(client, "scs").get(url).status_code == 404


def test_the_printed_agreement_carries_the_receipt_once_known(demo):
    convention = Convention.objects.get(reference=JPH)
    first_page = pdf_pages(agreement_pdf_render(convention))[0]
    assert ("Transmise au contrôle de légalité le 11 avril 2025 Reçue au contrôle de légalité le 11 avril 2025 "
            "Exécutoire à compter du 11 avril 2025") in first_page
    convention = convention_upsert(reference=JPH, legality_transmitted_on=None, legality_received_on=None)
    assert "contrôle de légalité" not in pdf_pages(agreement_pdf_render(convention))[0]


@pytest.mark.usefixtures("clean_private_files")
def test_the_executory_copy_stamps_the_signed_pdf_which_stays_untouched(client, seed_convention):
    convention = sign_and_freeze(seed_convention)
    with convention.signed_pdf.open("rb") as stored:
        signed = stored.read()
    portal_url = reverse("portal_conventions:executory_pdf", args=[convention.pk])
    admin_url = reverse("admin:conventions_convention_executory_pdf", args=[convention.pk])
    assert login(client, "agent").get(admin_url).status_code == 404  # not received yet
    assert login(client, "scs").get(portal_url).status_code == 404

    convention_upsert(reference=convention.reference, legality_transmitted_on=date(2023, 4, 5),
                      legality_received_on=date(2023, 4, 6))
    response = client.get(portal_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="convention-AMP-2023-DEVECO-SCS-executoire.pdf"'
    pages, originals = pdf_pages(response.content), pdf_pages(signed)
    assert len(pages) == len(originals) and pages[1:] == originals[1:]
    assert pages[0] == originals[0] + (" Transmise au contrôle de légalité le 5 avril 2023 Reçue au contrôle de "
                                       "légalité le 6 avril 2023 Exécutoire à compter du 6 avril 2023")
    assert "contrôle de légalité" not in originals[0]
    convention.refresh_from_db()
    with convention.signed_pdf.open("rb") as stored:
        assert stored.read() == signed  # the signed original and its SHA-256 never change
    page = client.get(reverse("portal_conventions:signed_documents", args=[convention.pk])).content.decode()
    assert f'href="{portal_url}"' in page
    response = login(client, "agent").get(admin_url)
    assert response.status_code == 200 and pdf_pages(response.content)[0] == pages[0]
