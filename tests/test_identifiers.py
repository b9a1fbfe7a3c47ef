import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from beneficiaries.identifiers import (
    IdentifierState,
    format_iban,
    iban_is_valid,
    normalize_identifier,
    rna_is_valid,
    siret_is_valid,
    validate_iban,
    validate_rna,
    validate_siret,
)
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_upsert
from compliance.checks import State, convention_checks
from compliance.opendata import scdl_export
from conventions.models import Status
from dossier.printing.agreement import agreement_pdf_render
from tests.factories import BeneficiaryFactory, ConventionFactory
from tests.pdf_helpers import pdf_text
from tests.test_admin import _beneficiary_post_data


@pytest.mark.parametrize("siret", ["20005480700017", "73282932000074", "51990012300018"])
def test_valid_siret_is_accepted(siret):
    assert siret_is_valid(siret)


@pytest.mark.parametrize(
    "siret",
    ["20005480700018", "2000548070001", "200054807000171", "2000548070001A", "", "20005 48070001"],
)
def test_invalid_siret_is_refused(siret):
    assert not siret_is_valid(siret)
    with pytest.raises(ValidationError, match="SIRET"):
        validate_siret(siret)


def test_rna_is_w_followed_by_nine_digits():
    assert rna_is_valid("W133001234")
    for bad in ["W13300123", "W1330012345", "133001234W", "w133001234", "X133001234"]:
        assert not rna_is_valid(bad)
        with pytest.raises(ValidationError, match="RNA"):
            validate_rna(bad)


@pytest.mark.parametrize(
    "iban", ["FR7630004000031234567890143", "FR76 3000 4000 0312 3456 7890 143", "DE89370400440532013000"]
)
def test_valid_iban_is_accepted(iban):
    assert iban_is_valid(iban)


@pytest.mark.parametrize("iban", ["FR7630004000031234567890144", "FR76", "GB82WEST1234569876543Z", "ZZ0012345678901"])
def test_invalid_iban_is_refused(iban):
    assert not iban_is_valid(iban)
    with pytest.raises(ValidationError, match="IBAN"):
        validate_iban(iban)


def test_iban_is_printed_in_groups_of_four():
    assert format_iban("fr7630004000031234567890143") == "FR76 3000 4000 0312 3456 7890 143"


# --- Identifiers as printed: separators removed before any check; a wrong one kept « à vérifier » ---


NBSP, NNBSP = "\u00a0", "\u202f"
#: A Luhn-valid SIRET whose last digit is printed wrong (13 digits would be « cut »; this is a typo).
WRONG_SIRET = "73282932000075"


@pytest.mark.parametrize("printed", [
    "732 829 320 00074", "732.829.320.00074", f"732{NBSP}829{NBSP}320{NBSP}00074",
    f"732{NNBSP}829{NNBSP}320{NNBSP}00074", " 73282932000074 ",
])
def test_a_siret_as_printed_is_read_without_its_separators(printed):
    assert normalize_identifier(printed) == "73282932000074"
    assert siret_is_valid(normalize_identifier(printed))


def test_the_admin_field_lets_a_printed_siret_be_typed_whole(agent_client):
    """The browser cut « 812 345 678 00013 » at 14 characters (maxlength) before anything checked it."""
    page = agent_client.get(reverse("admin:beneficiaries_beneficiary_add")).content.decode()
    field = re.search(r'<input[^>]*name="siret"[^>]*>', page).group(0)
    assert int(re.search(r'maxlength="(\d+)"', field).group(1)) >= len("732 829 320 00074")


@pytest.mark.parametrize("printed", [f"732{NBSP}829{NBSP}320{NBSP}00074", "732 829 320 00074", "732.829.320.00074"])
def test_the_admin_saves_a_siret_typed_with_spaces_or_dots(agent_client, printed):
    response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"),
                                 _beneficiary_post_data(siret=printed, rna=f"W{NNBSP}751{NNBSP}234{NNBSP}567"))
    assert response.status_code == 302
    saved = Beneficiary.objects.get(name="Nouvelle association")
    assert (saved.siret, saved.rna) == ("73282932000074", "W751234567")
    assert saved.siret_state == IdentifierState.VALID


def test_a_service_finds_the_association_by_its_siret_as_printed(db):
    existing = BeneficiaryFactory(siret="73282932000074")
    found = beneficiary_upsert(siret="732 829 320 00074", name="Nom corrigé", address=existing.address,
                               postal_code=existing.postal_code, city=existing.city,
                               representative_civility=existing.representative_civility,
                               representative_name=existing.representative_name)
    assert found.pk == existing.pk and Beneficiary.objects.count() == 1


def test_a_wrong_siret_is_refused_with_the_way_to_keep_it(agent_client):
    response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"), _beneficiary_post_data(siret=WRONG_SIRET))
    assert response.status_code == 200
    message = response.context["adminform"].form.errors["siret"][0]
    assert f"Le numéro SIRET « {WRONG_SIRET} » est invalide" in message
    assert "cochez « SIRET à vérifier » pour le conserver tel quel" in message
    assert not Beneficiary.objects.filter(name="Nouvelle association").exists()


def test_a_wrong_siret_from_a_signed_document_is_kept_to_check_as_printed(agent_client):
    response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"),
                                 _beneficiary_post_data(siret="732 829 320 00075", siret_to_check="on"))
    assert response.status_code == 302
    saved = Beneficiary.objects.get(name="Nouvelle association")
    assert saved.siret == WRONG_SIRET and saved.siret_state == IdentifierState.TO_CHECK
    record = saved.history.first()
    assert record.history_user.username == "agent" and record.siret_to_check
    listing = agent_client.get(reverse("admin:beneficiaries_beneficiary_changelist")).content.decode()
    assert f"{WRONG_SIRET} (à vérifier)" in listing


def test_a_siret_marked_to_check_is_never_counted_valid_even_with_a_right_key(db):
    beneficiary = BeneficiaryFactory(siret="73282932000074", siret_to_check=True)
    assert beneficiary.siret_state == IdentifierState.TO_CHECK


def signed_agreement(**beneficiary):
    return ConventionFactory(status=Status.SIGNED, beneficiary_signed_on=date(2025, 2, 1),
                             funder_signed_on=date(2025, 2, 3), beneficiary__iban="FR7630004000031234567890143",
                             **{f"beneficiary__{name}": value for name, value in beneficiary.items()})


def identifiers_check(convention):
    return next(c for c in convention_checks(convention, today=date(2025, 6, 1)) if c.code == "identifiers")


def test_the_compliance_block_flags_a_siret_kept_to_check(db):
    convention = signed_agreement(siret=WRONG_SIRET, siret_to_check=True)
    result = identifiers_check(convention)
    assert result.state == State.TODO
    assert f"SIRET de l'association à vérifier (conservé tel qu'imprimé : « {WRONG_SIRET} »)" in result.detail


def test_the_open_data_export_never_publishes_a_siret_to_check(db):
    """Even a SIRET whose key is right is not published while it is « à vérifier »; RNA alone is not
    enough for a cash subsidy (SCDL: the SIRET may be left out only for a subsidy in kind)."""
    convention = signed_agreement(siret="73282932000074", siret_to_check=True)
    export = scdl_export()
    assert convention not in export.conventions
    assert "SIRET de l'association (idBeneficiaire) à vérifier" in export.problems[0].missing
    assert all(row["idBeneficiaire"] != "73282932000074" for row in export.rows)


def test_an_association_whose_siret_is_not_given_is_saved_and_flagged(agent_client):
    for name in ("Première sans SIRET", "Seconde sans SIRET"):
        response = agent_client.post(reverse("admin:beneficiaries_beneficiary_add"),
                                     _beneficiary_post_data(name=name, siret="", rna=""))
        assert response.status_code == 302
    assert list(Beneficiary.objects.filter(name__endswith="sans SIRET").values_list("siret", flat=True)) == [None, None]
    convention = signed_agreement(siret=None)
    assert "SIRET de l'association non renseigné" in identifiers_check(convention).detail
    listing = agent_client.get(reverse("admin:beneficiaries_beneficiary_changelist")).content.decode()
    assert "None" not in listing


def test_the_agreement_leaves_out_a_siret_not_given(seed_convention):
    Beneficiary.objects.filter(pk=seed_convention.beneficiary_id).update(siret=None)
    text = pdf_text(agreement_pdf_render(seed_convention))
    assert "SIRET None" not in text and "association loi 1901, RNA" in text
