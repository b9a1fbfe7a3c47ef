"""The public directory look-up: a typed SIRET or RNA fills the association's empty fields.

No test reaches the network: ``urlopen`` is replaced by answers in the format the « API
Recherche d'entreprises » documents (tests/data/directory_search_siret.json)."""

import io
import json
from pathlib import Path
from urllib.error import URLError

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from beneficiaries import directory
from beneficiaries.directory import directory_lookup
from core.roles import AGENT
from tests.factories import UserFactory, staff_user

SAMPLE = json.loads((Path(__file__).parent / "data" / "directory_search_siret.json").read_text())
UNREACHABLE = "Annuaire injoignable : saisissez les informations à la main."
STAFF_URL = reverse("admin:beneficiaries_beneficiary_directory")
PUBLIC_URL = reverse("registration:directory_lookup")


class FakeDirectory:
    """Stands for ``urlopen``: records the URLs asked, answers ``answer`` or raises it."""

    def __init__(self, answer):
        self.answer, self.urls = answer, []

    def __call__(self, request, timeout):
        self.urls.append((request.full_url, timeout))
        if isinstance(self.answer, Exception):
            raise self.answer
        return io.BytesIO(json.dumps(self.answer).encode())


@pytest.fixture
def answer(monkeypatch):
    def install(value=SAMPLE):
        fake = FakeDirectory(value)
        monkeypatch.setattr(directory, "urlopen", fake)
        return fake
    return install


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_documented_answer_mapped_to_our_fields(answer):
    fake = answer()
    lookup = directory_lookup("812 345 678 00013")
    assert lookup.status == "found"
    assert lookup.fields == {
        "name": "LES AMIS DU VIEUX PORT", "acronym": "AVP", "legal_form": "Association loi 1901",
        "address": "12 RUE DE LA REPUBLIQUE", "postal_code": "13002", "city": "MARSEILLE",
        "siret": "81234567800013", "rna": "W133001234",
    }
    [(url, timeout)] = fake.urls
    assert url == "https://annuaire.test.invalid/search?q=81234567800013&page=1&per_page=5"
    assert timeout == 2


def test_rna_finds_the_association_by_its_identifiant_association(answer):
    answer()
    lookup = directory_lookup("w133001234")
    assert lookup.status == "found"
    assert lookup.fields["name"] == "LES AMIS DU VIEUX PORT"
    assert lookup.fields["siret"] == "81234567800013"  # the head office's, offered for an empty field


def test_street_read_from_the_full_address_when_not_split(answer):
    result = json.loads(json.dumps(SAMPLE))
    siege = result["results"][0]["siege"]
    for key in ("numero_voie", "type_voie", "libelle_voie"):
        siege[key] = None
    answer(result)
    assert directory_lookup("81234567800013").fields["address"] == "12 RUE DE LA REPUBLIQUE"


def test_another_siren_in_the_answer_is_not_taken(answer):
    answer()
    lookup = directory_lookup("73282932000074")  # valid SIRET, not the SIREN of the answer
    assert lookup.status == "not_found"
    assert lookup.fields == {}
    assert "saisissez les informations à la main" in lookup.message


@pytest.mark.parametrize("error", [URLError("down"), TimeoutError("slow"), ConnectionResetError()])
def test_unreachable_directory_says_so_in_french(answer, error):
    answer(error)
    lookup = directory_lookup("81234567800013")
    assert (lookup.status, lookup.message, lookup.fields) == ("unreachable", UNREACHABLE, {})


def test_an_answer_not_in_the_documented_format_counts_as_unreachable(answer):
    answer(["not", "a", "dict"])
    assert directory_lookup("81234567800013").message == UNREACHABLE


@pytest.mark.parametrize("typed", ["81234567800014", "8123", "W12", "http://evil.example/", ""])
def test_invalid_identifier_sends_no_request(answer, typed):
    fake = answer()
    assert directory_lookup(typed).status == "invalid"
    assert fake.urls == []


@override_settings(DIRECTORY_API_URL="")
def test_empty_setting_turns_the_look_up_off(answer):
    fake = answer()
    lookup = directory_lookup("81234567800013")
    assert lookup.status == "off"
    assert "désactivée" in lookup.message
    assert fake.urls == []


# -- the staff endpoint (the association's admin form) -------------------------------------------

@pytest.mark.django_db
def test_staff_endpoint_answers_an_agent(client, answer):
    answer()
    client.force_login(staff_user("agent-annuaire", AGENT))
    response = client.get(STAFF_URL, {"identifiant": "812 345 678 00013"})
    assert response.status_code == 200
    assert response.json()["fields"]["city"] == "MARSEILLE"


@pytest.mark.django_db
def test_staff_endpoint_refuses_anonymous_and_non_staff(client, answer):
    fake = answer()
    assert client.get(STAFF_URL, {"identifiant": "81234567800013"}).status_code == 302  # to the login page
    client.force_login(UserFactory(username="membre-annuaire", is_staff=False))
    assert client.get(STAFF_URL, {"identifiant": "81234567800013"}).status_code == 302
    client.force_login(UserFactory(username="staff-sans-droit", is_staff=True))  # staff, no right on associations
    assert client.get(STAFF_URL, {"identifiant": "81234567800013"}).status_code == 403
    assert fake.urls == []


@pytest.mark.django_db
def test_admin_form_loads_the_script_and_marks_the_identifier_inputs(client):
    client.force_login(staff_user("agent-formulaire", AGENT))
    page = client.get(reverse("admin:beneficiaries_beneficiary_add")).content.decode()
    assert "beneficiaries/directory_lookup.js" in page
    assert page.count(f'data-directory-url="{STAFF_URL}"') == 2  # SIRET and RNA


@pytest.mark.django_db
@override_settings(DIRECTORY_API_URL="")
def test_admin_form_says_when_the_look_up_is_off(client):
    client.force_login(staff_user("agent-formulaire-off", AGENT))
    page = client.get(reverse("admin:beneficiaries_beneficiary_add")).content.decode()
    assert "data-directory-off=\"La recherche dans l&#x27;annuaire des entreprises est désactivée" in page


# -- the registration form's endpoint (public, throttled) ----------------------------------------

@pytest.mark.django_db
def test_registration_endpoint_fills_a_visitor_form(client, answer):
    answer()
    response = client.get(PUBLIC_URL, {"identifiant": "W133001234"})
    assert response.status_code == 200
    assert response.json()["fields"]["postal_code"] == "13002"
    page = client.get(reverse("registration:register")).content.decode()
    assert f'data-directory-url="{PUBLIC_URL}"' in page
    assert "beneficiaries/directory_lookup.js" in page


@pytest.mark.django_db
def test_registration_endpoint_is_not_an_open_proxy(client, answer):
    fake = answer()
    response = client.get(PUBLIC_URL, {"identifiant": "https://example.com/?q=x"})
    assert response.status_code == 400
    assert fake.urls == []


@pytest.mark.django_db
@override_settings(DIRECTORY_LOOKUP_THROTTLE=(2, 3600))
def test_registration_endpoint_is_throttled(client, answer):
    fake = answer()
    for _ in range(2):
        assert client.get(PUBLIC_URL, {"identifiant": "81234567800013"}).status_code == 200
    response = client.get(PUBLIC_URL, {"identifiant": "81234567800013"})
    assert response.status_code == 429
    assert "Trop de demandes" in response.json()["message"]
    assert len(fake.urls) == 2
