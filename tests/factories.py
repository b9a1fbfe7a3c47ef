"""Factories for the domain models: realistic, valid by default."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from beneficiaries.identifiers import luhn_is_valid
from beneficiaries.models import Beneficiary, Civility, Membership
from budgets.models import Budget, BudgetKind, BudgetLine, BudgetScope
from campaigns.models import Application, Campaign, Programme
from conventions.models import Convention, Funder
from documents.models import Document, DocumentKind, DocumentStatus
from finance.models import PaymentKind, PaymentRequest, PaymentStatus
from indicators.models import IndicatorDefinition, IndicatorReport, IndicatorSet


def luhn_siret(n: int) -> str:
    """Return a valid SIRET built from the sequence number ``n``."""
    prefix = f"{800000000 + n:09d}0001"
    return next(prefix + str(d) for d in range(10) if luhn_is_valid(prefix + str(d)))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funder
        django_get_or_create = ["siret"]

    name = "Métropole Aix-Marseille-Provence"
    siret = "20005480700017"
    address = "58, boulevard Charles Livon"
    postal_code = "13007"
    city = "Marseille"
    representative_name = "Martine VASSAL"
    signature_place = "Marseille"
    court_name = "Tribunal administratif de Marseille"


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    name = factory.Sequence(lambda n: f"Association n° {n}")
    siret = factory.Sequence(luhn_siret)
    rna = factory.Sequence(lambda n: f"W13{n:07d}")
    address = "1, place de la Mairie"
    postal_code = "13001"
    city = "Marseille"
    representative_civility = Civility.MRS
    representative_name = "Camille DURAND"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    beneficiary = factory.SubFactory(BeneficiaryFactory)


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    reference = factory.Sequence(lambda n: f"AMP-2025-TEST-{n:05d}")
    funder = factory.SubFactory(FunderFactory)
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    fiscal_year = 2025
    period_start = date(2025, 1, 1)
    period_end = date(2025, 12, 31)
    title = "Subvention de fonctionnement"
    amount_granted = Decimal("10000.00")
    advance_cap_percent = Decimal("80")


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    convention = factory.SubFactory(ConventionFactory)
    kind = BudgetKind.FORECAST


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    budget = factory.SubFactory(BudgetFactory)
    code = "606"
    label = factory.Sequence(lambda n: f"Ligne {n}")
    amount = Decimal("100.00")


class IndicatorSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorSet

    name = factory.Sequence(lambda n: f"Jeu {n}")
    structure_type = "Structures d'appui"
    year = 2025


class IndicatorDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorDefinition

    indicator_set = factory.SubFactory(IndicatorSetFactory)
    code = factory.Sequence(lambda n: f"ind{n}")
    label = factory.Sequence(lambda n: f"Indicateur {n}")


class IndicatorReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorReport

    convention = factory.SubFactory(ConventionFactory)
    indicator_set = factory.SubFactory(IndicatorSetFactory)
    year = 2025


def staff_user(username: str, role: str):
    """Return a staff user in the group of ``role`` (groups are created by the migrations' hook)."""
    from django.contrib.auth.models import Group

    from core.roles import sync_role_groups

    sync_role_groups()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def balanced_forecast(convention, charges=Decimal("100000"), granted=None):
    """Give ``convention`` a balanced forecast budget whose charges total ``charges``."""
    granted = convention.amount_granted if granted is None else granted
    budget = BudgetFactory(convention=convention)
    BudgetLineFactory(budget=budget, code="641", label="Salaires", amount=charges)
    BudgetLineFactory(budget=budget, code="744", label=convention.funder.name, amount=granted, is_granting_funder=True)
    BudgetLineFactory(budget=budget, code="756", label="Cotisations", amount=charges - granted)
    return budget

class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    convention = factory.SubFactory(ConventionFactory)
    kind = DocumentKind.INSURANCE
    status = DocumentStatus.EXPECTED


class PaymentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentRequest

    convention = factory.SubFactory(ConventionFactory)
    kind = PaymentKind.ADVANCE
    amount = Decimal("8000.00")
    status = PaymentStatus.PAID
    certified_by_name = "Camille DURAND"
    certified_by_quality = "Présidente"
    certified_on = date(2025, 4, 1)
    payment_order_number = factory.Sequence(lambda n: f"M-2025-{n:06d}")
    paid_on = date(2025, 4, 15)

def indicator_set_for_tests(year: int = 2025, structure_type: str = "Structures d'appui", **kwargs):
    """Return a set with every kind of indicator: split with bands and a « dont » part, amount, percentage, text."""
    from indicators.models import ValueType
    from indicators.services import DefinitionInput, indicator_set_upsert

    return indicator_set_upsert(
        name=kwargs.pop("name", "Jeu de test"), structure_type=structure_type, year=year, definitions=[
            DefinitionInput("personnes", "Personnes accompagnées", unit="personnes", split_by_sex=True,
                            bands=[("jeunes", "moins de 26 ans"), ("adultes", "26 ans et plus")],
                            of_which=[("metropole", "dont habitants de la Métropole")]),
            DefinitionInput("fonds", "Fonds levés", value_type=ValueType.AMOUNT, unit="€"),
            DefinitionInput("taux", "Taux de satisfaction", value_type=ValueType.PERCENTAGE, unit="%", is_required=False),
            DefinitionInput("bilan", "Bilan de l'année", value_type=ValueType.TEXT, is_required=False),
        ], **kwargs,
    )

BALANCED_LINES = [  # charges 10 000 € = produits 10 000 €; 86 = 87 = 500 €
    ("641", "Salaires", "6000"), ("613", "Loyer", "4000"), ("864", "Bénévolat", "500"),
    ("744", "Métropole Aix-Marseille-Provence", "10000"), ("870", "Bénévoles", "500"),
]


def add_balanced_lines(budget, lines=BALANCED_LINES):
    """Give ``budget`` a small balanced set of lines whose granting funder line is 10 000 €."""
    for code, label, amount in lines:
        BudgetLineFactory(budget=budget, code=code, label=label, amount=Decimal(amount),
                          is_granting_funder=code == "744", funding_status="obtained" if code == "744" else "")
    return budget


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Cohésion sociale {n}")
    policy = "Politique de la ville"
    directorate = "Direction de la cohésion sociale"
    funder = factory.SubFactory(FunderFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    programme = factory.SubFactory(ProgrammeFactory)
    year = 2027
    title = factory.Sequence(lambda n: f"Cohésion sociale 2027 ({n})")
    opens_on = date(2026, 9, 1)
    closes_on = date(2026, 12, 31)
    envelope = Decimal("100000.00")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application as the services leave it once drafted: with its (empty) forecast budget of the action."""

    class Meta:
        model = Application

    campaign = factory.SubFactory(CampaignFactory)
    beneficiary = factory.SubFactory(BeneficiaryFactory)
    action_title = factory.Sequence(lambda n: f"Action n° {n}")
    objectives = "Accompagner les habitants."
    action_start = date(2027, 1, 1)
    action_end = date(2027, 12, 31)
    public = "Habitants des quartiers prioritaires"
    place = "Marseille"
    requested_amount = Decimal("10000.00")
    budget = factory.LazyFunction(lambda: Budget.objects.create(convention=None, kind=BudgetKind.FORECAST,
                                                                scope=BudgetScope.ACTION))


class DeliberationFactory(factory.django.DjangoModelFactory):
    """A deliberation in preparation of the Bureau, its number already given."""

    class Meta:
        model = "deliberations.Deliberation"

    funder = factory.SubFactory(FunderFactory)
    body = "bureau"
    session_date = date(2027, 3, 12)
    number = factory.Sequence(lambda n: f"CS {n:03d}-27/BM")
    subject = "Attribution de subventions aux associations — Cohésion sociale 2027"
