"""The accessibility statement (« Déclaration d'accessibilité », RGAA 4.1 model): who publishes
it, what was audited, how, and what is known not to conform.

The audit facts live here, once, so that the statement page and its tests read the same list;
update them with each new audit (the automated part runs in ``tests/browser/test_pages_axe_all.py``).
"""

from dataclasses import dataclass
from datetime import date

from conventions.models import Funder

#: Date of the latest audit (axe-core run on every page and keyboard journey).
AUDITED_ON = date(2026, 12, 1)
#: RGAA's own wording: « totalement », « partiellement » or « non conforme ». Without a full manual
#: audit of RGAA's 106 criteria by an outside auditor, « partiellement conforme » is the honest word.
CONFORMITY = "partiellement conforme"
TOOL = "axe-core 4.10 (règles WCAG 2.0 et 2.1, niveaux A et AA, et bonnes pratiques)"

#: The sample of pages of RGAA's method: the home page, the login, contact, the statement itself,
#: and one page of each of the service's main tasks.
AUDITED_PAGES = [
    "Connexion au portail des associations",
    "Accueil du portail (conventions et pièces attendues)",
    "Page d'une convention",
    "Budget prévisionnel (formulaire de saisie)",
    "Justificatifs (dépôt d'un document)",
    "Rapport d'indicateurs (formulaire)",
    "Demandes de paiement",
    "Candidature à un appel à projets",
    "Inscription d'une association",
    "Mot de passe oublié",
    "Pages d'erreur (page introuvable, accès refusé)",
    "Espace des agents : accueil, listes, fiches et formulaires de chaque élément géré",
    "Déclaration d'accessibilité",
]

#: Known non-conformities, each with the RGAA criterion it fails.
NON_CONFORMITIES = [
    "Les documents PDF produits par le service (convention, avenants, courriers, demandes de paiement) "
    "ne sont pas balisés pour les technologies d'assistance (critère 13.3).",
    "L'audit manuel complet des 106 critères du RGAA n'a pas encore été mené : seuls les contrôles "
    "automatiques et un parcours au clavier ont été réalisés.",
]

#: Content outside the scope of the obligation (RGAA: « contenus non soumis »).
NOT_SUBJECT = [
    "Les documents déposés par les associations (statuts, attestations, comptes, rapports) : "
    "contenus de tiers que le service ne produit pas.",
]


@dataclass(frozen=True)
class Publisher:
    """Who publishes the statement and answers for the service's accessibility."""

    name: str
    email: str
    address: str


def statement_publisher() -> Publisher:
    """The funder running the service: the first one recorded (the collectivity that installed
    the application); « la collectivité » before any is."""
    funder = Funder.objects.order_by("pk").first()
    if funder is None:
        return Publisher(name="la collectivité", email="", address="")
    return Publisher(name=funder.name, email=funder.email,
                     address=f"{funder.address}, {funder.postal_code} {funder.city}")
