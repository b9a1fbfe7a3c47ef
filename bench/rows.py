"""Turn the plans of ``bench.plans`` into rows, one chunk of associations at a time, with bulk inserts."""

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from bench import followup, plans
from beneficiaries.models import Beneficiary, MemberRole, Membership
from beneficiaries.services import user_upsert
from budgets.models import Budget, BudgetKind, BudgetLine, BudgetScope, BudgetStatus
from conventions.models import Convention, DeliberationBody, Kind, Status, StatusChange
from conventions.services import funder_upsert
from core.roles import ADMINISTRATOR, AGENT, FINANCE, sync_role_groups
from core.storage import private_storage
from demo.demo import ANNEX_V_DEFINITIONS, ANNEX_V_INTRODUCTION
from indicators.models import IndicatorDefinition
from indicators.services import indicator_set_upsert

BENCH_PASSWORD = "bench"  # noqa: S105 - accounts of a generated test database, printed in the README
STAFF_ACCOUNTS = {"bench-agent": AGENT, "bench-finance": FINANCE, "bench-admin": ADMINISTRATOR}
SHARED_PDF = "bench/exemple.pdf"


@dataclass
class CommonData:
    """What every chunk refers to: the funder, the staff, the indicator sets, a shared PDF."""

    funder: object
    agent: object
    indicator_sets: dict
    definitions: dict
    pdf_name: str
    pdf_sha256: str
    member_password: str


def _shared_pdf() -> tuple[str, str]:
    """Store one small real PDF that every generated document and signed agreement points to."""
    storage = private_storage()
    if storage.exists(SHARED_PDF):
        content = storage.open(SHARED_PDF).read()
    else:
        from weasyprint import HTML

        content = HTML(string="<h1>Pièce justificative (jeu de données de banc d'essai)</h1>").write_pdf()
        storage.save(SHARED_PDF, ContentFile(content))
    return SHARED_PDF, hashlib.sha256(content).hexdigest()


def common_data(*, seed: int) -> CommonData:
    sync_role_groups()
    funder = funder_upsert(
        siret="20005480700017", name="Métropole Aix-Marseille-Provence", short_name="la Métropole",
        legal_form="E.P.C.I.", address="58, boulevard Charles Livon", postal_code="13007", city="Marseille",
        representative_title="La Présidente", representative_name="Martine VASSAL", signature_place="Marseille",
        advance_cap_percent=Decimal("80"), budget_imputation="budget principal métropolitain",
        court_name="Tribunal administratif de Marseille", email="subventions@metropole.invalid",
        finance_email="finances@metropole.invalid",
    )
    staff = {}
    for username, role in STAFF_ACCOUNTS.items():
        user = user_upsert(username=username, password=BENCH_PASSWORD, is_staff=True,
                           is_superuser=role == ADMINISTRATOR, email=f"{username}@bench.invalid")
        user.groups.set([Group.objects.get(name=role)])
        staff[username] = user
    sets, definitions = {}, {}
    for year in plans.YEARS:
        indicator_set = indicator_set_upsert(
            name=f"Indicateurs d'impact des associations {year}", structure_type="Associations subventionnées",
            year=year, introduction=ANNEX_V_INTRODUCTION, definitions=ANNEX_V_DEFINITIONS,
        )
        sets[year] = indicator_set
        definitions[year] = list(IndicatorDefinition.objects.filter(indicator_set=indicator_set).order_by("position"))
    pdf_name, pdf_sha256 = _shared_pdf()
    return CommonData(funder=funder, agent=staff["bench-agent"], indicator_sets=sets, definitions=definitions,
                      pdf_name=pdf_name, pdf_sha256=pdf_sha256, member_password=make_password(BENCH_PASSWORD))


def member_username(number: int) -> str:
    return f"membre{number:04d}"


class ChunkWriter:
    """Write associations, their members and their agreements with everything that hangs off them."""

    def __init__(self, *, common: CommonData, seed: int, lines_per_budget: int, batch_size: int, with_history: bool):
        self.common, self.seed, self.lines_per_budget = common, seed, lines_per_budget
        self.batch_size, self.with_history = batch_size, with_history
        self.totals = Counter()

    def bulk(self, model, objects: list) -> list:
        """Insert ``objects`` in batches; with history, their historical rows too."""
        if not objects:
            return objects
        if self.with_history and hasattr(model, "history"):
            bulk_create_with_history(objects, model, batch_size=self.batch_size, default_user=self.common.agent,
                                     default_change_reason="Génération du jeu de données de banc d'essai")
        else:
            model.objects.bulk_create(objects, batch_size=self.batch_size)
        return objects

    @transaction.atomic
    def write(self, numbers) -> None:
        rows = followup.Rows()
        for number in numbers:
            rng = random.Random(f"{self.seed}:{number}")
            beneficiary, user = self._association(rng, number, rows)
            for year in plans.YEARS:
                self._convention(rng, number, year, beneficiary, user, rows)
        self.bulk(Beneficiary, rows.beneficiaries)
        get_user_model().objects.bulk_create(rows.users, batch_size=self.batch_size)
        self.bulk(Membership, rows.memberships)
        self.bulk(Convention, rows.conventions)
        StatusChange.objects.bulk_create(rows.status_changes, batch_size=self.batch_size)
        self.bulk(Budget, rows.budgets)
        self.bulk(BudgetLine, rows.budget_lines)
        rows.write_followups(self.bulk)
        self.totals.update(conventions=len(rows.conventions), budget_lines=len(rows.budget_lines))

    def _association(self, rng, number, rows):
        plan = plans.association_plan(rng, number)
        city, postal_code = plan.town
        beneficiary = Beneficiary(
            name=plan.name, acronym=plan.acronym, siret=plans.siret_for(number), rna=plans.rna_for(number),
            address=plan.street, postal_code=postal_code, city=city, email=f"contact{number}@association.invalid",
            phone=f"04 91 {number // 100 % 100:02d} {number % 100:02d} 00", representative_civility=plan.civility,
            representative_title="Présidente" if plan.civility == "Mme" else "Président",
            representative_name=plan.representative, fiscal_year_end_month=rng.choice([12, 12, 12, 6, 8]),
            iban=plans.iban_for(number), bic=plan.bic, bank_name=f"Agence de {city}",
        )
        first, last = plan.representative.split(" ", 1)
        user = get_user_model()(username=member_username(number), password=self.common.member_password,
                                first_name=first, last_name=last, email=f"{member_username(number)}@association.invalid")
        rows.beneficiaries.append(beneficiary)
        rows.users.append(user)
        rows.memberships.append(Membership(user=user, beneficiary=beneficiary, role=MemberRole.PRESIDENT))
        return beneficiary, user

    def _convention(self, rng, number, year, beneficiary, user, rows):
        status = plans.status_for(rng, year)
        kind = Kind.SPECIFIC if rng.random() < 0.25 else Kind.OPERATING
        tier = rng.choices([(4, 40), (40, 200), (200, 1200)], weights=[60, 30, 10])[0]
        granted_cents = 500 * rng.randint(*tier) * 100
        direction = rng.choice(plans.DIRECTIONS)
        multiannual = rng.random() < 0.1
        convention = Convention(
            reference=f"AMP-{year}-{direction}-{number:04d}", kind=kind, is_multiannual=multiannual,
            funder=self.common.funder, beneficiary=beneficiary, fiscal_year=year,
            period_start=date(year, 1, 1), period_end=date(year + (2 if multiannual else 0), 12, 31),
            title=(f"Subvention de fonctionnement global {year}" if kind == Kind.OPERATING
                   else f"Subvention spécifique {year} — {rng.choice(plans.THEMES)}"),
            action_title="" if kind == Kind.OPERATING else f"Programme d'actions {year} de l'association",
            objectives="Développer les activités de l'association sur le territoire\nFavoriser l'accès de tous",
            amount_granted=plans.euros(granted_cents), advance_cap_percent=Decimal("80.00"), status=status,
        )
        if plans.reached(status, Status.VOTED):
            voted_on = plans.deliberation_date(rng, year)
            convention.deliberation_body = rng.choice(DeliberationBody.values)
            convention.deliberation_number = f"{direction}-{number:03d}-{voted_on:%d/%m/%Y}/CM"
            convention.deliberation_date = voted_on
        if plans.reached(status, Status.SIGNED):
            convention.beneficiary_signatory = beneficiary.representative_name
            convention.beneficiary_signed_on = voted_on + timedelta(days=rng.randint(10, 40))
            convention.funder_signatory = self.common.funder.representative_name
            convention.funder_signed_on = convention.beneficiary_signed_on + timedelta(days=rng.randint(1, 15))
            convention.signed_pdf = self.common.pdf_name
            convention.signed_pdf_sha256 = self.common.pdf_sha256
        if plans.reached(status, Status.ACTIVE):
            convention.notified_on = convention.funder_signed_on + timedelta(days=rng.randint(5, 20))
        if status == Status.TERMINATED:
            convention.formal_notice_on = convention.notified_on + timedelta(days=rng.randint(60, 150))
            convention.terminated_on = convention.formal_notice_on + timedelta(days=rng.randint(31, 60))
        rows.conventions.append(convention)
        previous = ""
        for step in plans.status_path(status):
            rows.status_changes.append(StatusChange(convention=convention, from_status=previous, to_status=step,
                                                    by=self.common.agent, comment="Reprise de l'historique"))
            previous = step

        forecast = plans.forecast_lines(rng, granted_cents=granted_cents, funder_label=self.common.funder.name,
                                        count=self.lines_per_budget)
        budget_status = (BudgetStatus.DRAFT if status == Status.DRAFT
                         else BudgetStatus.SUBMITTED if status in (Status.SUBMITTED, Status.IN_REVIEW, Status.REFUSED,
                                                                   Status.CANCELLED)
                         else BudgetStatus.VALIDATED)
        scope = BudgetScope.GLOBAL if kind == Kind.OPERATING else BudgetScope.ACTION
        self._budget(rows, convention, BudgetKind.FORECAST, scope, budget_status, forecast, [""] * len(forecast),
                     beneficiary, date(year - 1, 11, 15))
        phase = followup.justification_phase(rng, status)
        actual = None
        if phase.actual_budget_status:
            actual, explanations = plans.actual_lines(rng, forecast)
            self._budget(rows, convention, BudgetKind.ACTUAL, scope, phase.actual_budget_status, actual, explanations,
                         beneficiary, date(year + 1, 4, 30))
        rows.plan_followups(rng, convention=convention, user=user, status=status, phase=phase, forecast=forecast,
                            actual=actual, common=self.common)

    def _budget(self, rows, convention, kind, scope, status, lines, explanations, beneficiary, certified_on):
        submitted = status != BudgetStatus.DRAFT
        budget = Budget(
            convention=convention, kind=kind, scope=scope, status=status,
            certified_by=beneficiary.representative_name if submitted else "",
            certified_place=beneficiary.city if submitted else "", certified_on=certified_on if submitted else None,
            review_comment="Merci de détailler le poste « Locations »." if status == BudgetStatus.RETURNED else "",
        )
        rows.budgets.append(budget)
        for position, (line, explanation) in enumerate(zip(lines, explanations, strict=True), start=1):
            rows.budget_lines.append(BudgetLine(
                budget=budget, code=line.code, label=line.label, amount=plans.euros(line.cents),
                funding_status=line.funding_status, is_granting_funder=line.is_granting_funder,
                explanation=explanation, position=position,
            ))
