import pytest
from django.core.exceptions import ValidationError

from beneficiaries.identifiers import (
    format_iban,
    iban_is_valid,
    rna_is_valid,
    siret_is_valid,
    validate_iban,
    validate_rna,
    validate_siret,
)


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
