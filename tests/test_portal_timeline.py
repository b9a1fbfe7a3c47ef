"""The agreement's timeline on its portal page: each state reached with its date, the current one,
the states ahead, and the next step read from the lifecycle and the portal home's items."""

import html
import re
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.models import Status, StatusChange
from conventions.services import convention_load_history
from core.dates import french_date
from dossier.lifecycle import states_ahead
from dossier.portal_timeline import agreement_timeline
from tests.factories import BudgetFactory, ConventionFactory, MembershipFactory, add_balanced_lines

pytestmark = pytest.mark.django_db


def page_of(client, convention):
    client.force_login(MembershipFactory(beneficiary=convention.beneficiary).user)
    return client.get(reverse("portal_conventions:detail", args=[convention.pk])).content.decode()


def steps_of(page):
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip())
            for item in timeline.split("</li>")[:-1]]


def test_a_draft_says_what_the_association_must_do_next(client):
    convention = ConventionFactory(status=Status.DRAFT, amount_granted=Decimal("10000"))
    add_balanced_lines(BudgetFactory(convention=convention))
    convention_load_history(convention=convention, path=[Status.DRAFT])
    page = page_of(client, convention)
    assert "Prochaine étape" in page and "À faire de votre côté :" in page
    assert f'href="/portail/budgets/{convention.pk}/">Budget prévisionnel</a> : à compléter' in page
    today = french_date(timezone.localdate())
    assert steps_of(page) == [
        f"État actuel : Brouillon le {today}", "À venir : Déposée par l'association", "À venir : En instruction",
        "À venir : Votée", "À venir : Signée", "À venir : En cours (notifiée)", "À venir : Justification attendue",
        "À venir : Soldée"]
    assert 'aria-current="step"' in page


def test_in_review_it_waits_for_the_funder(client):
    convention = ConventionFactory(status=Status.DRAFT, amount_granted=Decimal("10000"))
    budget = add_balanced_lines(BudgetFactory(convention=convention))
    budget.status = "validated"
    budget.save()
    convention_load_history(convention=convention, path=[Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW])
    StatusChange.objects.filter(convention=convention, to_status=Status.DRAFT).update(
        at=timezone.make_aware(datetime(2026, 3, 2, 10)))
    page = page_of(client, convention)
    assert "En attente de la Métropole : enregistrer le vote." in page
    steps = steps_of(page)
    assert steps[0] == "Fait : Brouillon le 2 mars 2026"
    assert steps[2].startswith("État actuel : En instruction") and steps[3] == "À venir : Votée"


def test_an_ended_agreement_has_no_next_step(client):
    convention = ConventionFactory(status=Status.DRAFT)
    convention_load_history(convention=convention, path=[Status.DRAFT, Status.SUBMITTED, Status.REFUSED])
    convention.refresh_from_db()
    timeline = agreement_timeline(convention)
    assert timeline.next is None and states_ahead(Status.REFUSED) == []
    assert [step.status for step in timeline.steps] == [Status.DRAFT, Status.SUBMITTED, Status.REFUSED]
    assert "Aucune autre étape : la convention est refusée." in page_of(client, convention)
