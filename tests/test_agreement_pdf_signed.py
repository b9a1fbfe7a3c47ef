"""Signature freezes the agreement: the stored PDF and its hash never change, the data is refused edits."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from budgets.models import Budget, BudgetKind
from budgets.services import LineInput, budget_replace_lines
from conventions.clauses.services import convention_clause_update
from conventions.models import Amendment, AmendmentStatus, Convention
from conventions.services import convention_upsert
from dossier.printing.amendment import amendment_pdf_render
from dossier.printing.freeze import amendment_freeze_signed_pdf, convention_freeze_signed_pdf
from tests.pdf_helpers import (  # noqa: F401
    clean_private_files,
    deliver_republican_commitment,
    pdf_text,
    record_vote_and_signatures,
    sign_and_freeze,
    sign_and_freeze_pim_amendment,
)

pytestmark = pytest.mark.usefixtures("clean_private_files")


@pytest.fixture
def signed_seed(seed_convention):
    return sign_and_freeze(seed_convention, user=get_user_model().objects.get(username="agent"))


def stored_bytes(obj) -> bytes:
    with obj.signed_pdf.open("rb") as stored:
        return stored.read()


def test_signature_stores_the_final_pdf_with_its_sha256(signed_seed):
    content = stored_bytes(signed_seed)
    assert signed_seed.signed_pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert signed_seed.signed_pdf.name.startswith("conventions/signed/convention-AMP-2023-DEVECO-SCS-signee")
    text = pdf_text(content)
    assert "PROJET" not in text and "66 000 €" in text and "6,92 %" in text
    assert "Fabien ALLI" in text and "Martine VASSAL" in text and "le 24 mars 2023" in text
    assert signed_seed.history.first().history_user.username == "agent"


def test_later_edits_are_refused_and_the_signed_bytes_and_hash_never_change(signed_seed):
    content, sha = stored_bytes(signed_seed), signed_seed.signed_pdf_sha256
    with pytest.raises(ValidationError, match="La convention est signée : ses données ne peuvent plus être modifiées"):
        convention_upsert(reference=signed_seed.reference, amount_granted=Decimal("99000"))
    budget = Budget.objects.get(convention=signed_seed, kind=BudgetKind.FORECAST)
    with pytest.raises(ValidationError, match="Le budget prévisionnel est l'annexe I d'une convention signée"):
        budget_replace_lines(budget=budget, lines=[LineInput("641", Decimal("1"))])
    with pytest.raises(ValidationError, match="Le texte de la convention ne peut plus être modifié"):
        convention_clause_update(clause=signed_seed.clauses.get(number="10"), title="Autre", body="Autre")
    with pytest.raises(ValidationError, match="Le PDF signé est déjà enregistré : il ne peut pas être remplacé."):
        convention_freeze_signed_pdf(convention=signed_seed, user=None)
    signed_seed.refresh_from_db()
    assert signed_seed.amount_granted == Decimal("66000.00")
    assert budget.lines.count() == 24
    assert stored_bytes(signed_seed) == content and signed_seed.signed_pdf_sha256 == sha


def test_an_unchanged_save_of_a_signed_agreement_is_accepted(signed_seed):
    convention_upsert(reference=signed_seed.reference, notified_on=date(2023, 4, 10))
    signed_seed.refresh_from_db()
    assert signed_seed.notified_on == date(2023, 4, 10)


def test_freezing_without_the_signature_dates_is_refused_with_what_is_missing(seed_convention):
    with pytest.raises(ValidationError) as error:
        convention_freeze_signed_pdf(convention=seed_convention, user=None)
    assert "La date de signature par l'association n'est pas renseignée." in error.value.messages
    assert any("La délibération (instance, numéro et date)" in m for m in error.value.messages)
    seed_convention.refresh_from_db()
    assert not seed_convention.signed_pdf and not seed_convention.signed_pdf_sha256


def test_admin_makes_a_signed_agreement_read_only(agent_client, signed_seed):
    response = agent_client.get(reverse("admin:conventions_convention_change", args=[signed_seed.pk]))
    form = response.context["adminform"].form
    assert "amount_granted" not in form.fields and "preamble" not in form.fields
    page = response.content.decode()
    assert "Télécharger le PDF signé" in page
    clause_formset = next(f for f in response.context["inline_admin_formsets"] if f.opts.model.__name__ == "ConventionClause")
    assert not clause_formset.has_change_permission


def test_admin_makes_the_forecast_budget_of_a_signed_agreement_read_only(signed_seed):
    budget = Budget.objects.get(convention=signed_seed, kind=BudgetKind.FORECAST)
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="agent")
    budget_admin = admin.site._registry[Budget]
    inline = budget_admin.get_inline_instances(request, budget)[0]
    assert not inline.has_change_permission(request, budget)
    assert not inline.has_add_permission(request, budget)
    assert not inline.has_delete_permission(request, budget)
    assert "declared_total_charges" in budget_admin.get_readonly_fields(request, budget)


def test_admin_download_returns_the_exact_stored_bytes(agent_client, signed_seed):
    url = reverse("admin:conventions_convention_pdf", args=[signed_seed.pk])
    response = agent_client.get(url + "?telecharger=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content == stored_bytes(signed_seed)


def test_an_altered_stored_pdf_is_never_served(agent_client, signed_seed):
    with open(signed_seed.signed_pdf.path, "ab") as stored:
        stored.write(b"%% altered")
    response = agent_client.get(reverse("admin:conventions_convention_pdf", args=[signed_seed.pk]))
    assert response.status_code == 409
    assert "ne correspond plus à son empreinte SHA-256" in response.content.decode()


@pytest.fixture
def signed_amendment(demo):
    return sign_and_freeze_pim_amendment()


def test_the_amendment_pdf_states_what_changes(demo):
    amendment = Amendment.objects.get(convention__reference="AMP-2026-CULT-PIM", number=1)
    text = pdf_text(amendment_pdf_render(amendment))
    assert "Avenant n° 1" in text and "AMP-2026-CULT-PIM" in text and "PROJET" in text
    assert "Report de la fin de la tournée au 31 mars 2027" in text
    assert "La période d'exécution de la convention prend fin le 31 mars 2027." in text
    assert "Provence Images en mouvement" in text and "Julien ROCHE" in text
    assert "Article 3 : Autres stipulations" in text


def test_a_signed_amendment_is_frozen_with_its_hash(signed_amendment):
    content = stored_bytes(signed_amendment)
    assert signed_amendment.signed_pdf_sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert "PROJET" not in text and "le 1er septembre 2026" in text and "le 8 septembre 2026" in text
    with pytest.raises(ValidationError, match="déjà enregistré"):
        amendment_freeze_signed_pdf(amendment=signed_amendment, user=None)


def test_admin_makes_a_signed_amendment_read_only(agent_client, signed_amendment):
    response = agent_client.get(reverse("admin:conventions_amendment_change", args=[signed_amendment.pk]))
    assert "text" not in response.context["adminform"].form.fields
    convention = Convention.objects.get(pk=signed_amendment.convention_id)
    response = agent_client.get(reverse("admin:conventions_convention_change", args=[convention.pk]))
    amendments = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Amendment)
    fields = amendments.formset.forms[0].fields
    assert all(fields[name].disabled for name in ("number", "subject", "amount_change"))


def test_a_vote_print_needs_the_deliberation(agent_client, seed_convention):
    Convention.objects.filter(pk=seed_convention.pk).update(status="voted")
    response = agent_client.get(reverse("admin:conventions_convention_pdf", args=[seed_convention.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert ("La délibération (instance, numéro et date) n&#x27;est pas complète (il manque le numéro, la date)"
            in response.content.decode())
    record_vote_and_signatures(seed_convention)
    Convention.objects.filter(pk=seed_convention.pk).update(status="voted")
    response = agent_client.get(reverse("admin:conventions_convention_pdf", args=[seed_convention.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "PROJET" not in pdf_text(response.content)


def test_the_portal_shows_the_forecast_of_a_signed_agreement_read_only(client, demo):
    from budgets.models import BudgetLine

    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")  # active, member: asso2
    client.login(username="asso2", password="demo")
    url = reverse("portal_budgets:forecast", args=[convention.pk])
    page = client.get(url).content.decode()
    assert "La convention est signée : ce budget prévisionnel en est l'annexe I" in page
    assert 'name="action"' not in page
    before = list(BudgetLine.objects.filter(budget__convention=convention, budget__kind="forecast")
                  .values_list("label", "amount"))
    client.post(url, {"action": "save", "l-TOTAL_FORMS": "0", "l-INITIAL_FORMS": "0"})
    after = list(BudgetLine.objects.filter(budget__convention=convention, budget__kind="forecast")
                 .values_list("label", "amount"))
    assert after == before


def test_the_sign_transition_freezes_the_pdf_and_keeps_it(seed_convention):
    from dossier.actions import convention_sign

    agent = get_user_model().objects.get(username="agent")
    convention = record_vote_and_signatures(seed_convention)
    Convention.objects.filter(pk=convention.pk).update(status="voted")
    deliver_republican_commitment(convention)  # due before signature (dossier.requirements)
    convention = convention_sign(convention=convention, user=agent, comment="Signée par les deux parties")
    convention.refresh_from_db()
    assert convention.status == "signed"
    assert convention.signed_pdf and len(convention.signed_pdf_sha256) == 64
    content = stored_bytes(convention)
    assert hashlib.sha256(content).hexdigest() == convention.signed_pdf_sha256
    assert "le 24 mars 2023" in pdf_text(content) and "PROJET" not in pdf_text(content)


def test_the_sign_transition_is_refused_when_the_pdf_cannot_be_printed(seed_convention):
    from dossier.actions import convention_sign

    agent = get_user_model().objects.get(username="agent")
    convention = record_vote_and_signatures(seed_convention)
    Convention.objects.filter(pk=convention.pk).update(status="voted")
    deliver_republican_commitment(convention)  # due before signature (dossier.requirements)
    Budget.objects.filter(convention=convention).delete()
    with pytest.raises(ValidationError) as error:
        convention_sign(convention=convention, user=agent)
    assert "Le budget prévisionnel (annexe I) n'est pas saisi." in error.value.messages
    convention.refresh_from_db()
    assert convention.status == "voted" and not convention.signed_pdf


def test_the_amendment_sign_service_freezes_its_pdf_and_keeps_it(demo):
    from dossier.actions import amendment_sign

    amendment = Amendment.objects.get(convention__reference="AMP-2026-CULT-PIM", number=1)
    Amendment.objects.filter(pk=amendment.pk).update(beneficiary_signed_on=date(2026, 9, 1),
                                                     funder_signed_on=date(2026, 9, 8))
    amendment = amendment_sign(amendment=amendment, user=get_user_model().objects.get(username="agent"))
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.SIGNED and amendment.signed_pdf
    assert hashlib.sha256(stored_bytes(amendment)).hexdigest() == amendment.signed_pdf_sha256
