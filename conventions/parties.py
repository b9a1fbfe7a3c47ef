"""Who signs the agreement for each party, and as what: one resolved value for every place that names them.

An agreement may be signed for the funder by someone other than its current representative
(a vice-president acting by delegation), and for the association by someone other than its
legal representative. What is typed on the agreement (name, title, delegation) wins; what is
left empty falls back on the party's record (the funder's representative, the association's
legal representative). The PDF's parties paragraph and its signature block both read
``funder_signatory`` and ``beneficiary_signatory``, so they cannot name two different people.

At signature, ``signatories_record`` writes the resolved titles on the agreement: a later
change of the funder's representative does not rewrite who signed an agreement.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from beneficiaries.models import Civility

#: The articles a signatory's title starts with: « La Présidente », « Le Trésorier », « L'Adjointe ».
TITLE_ARTICLES = ("le ", "la ", "l'", "l’")


def title_has_article(title: str) -> bool:
    """Return True when ``title`` starts with its article, which the PDF needs to write « sa » or « son »."""
    return title.strip().lower().startswith(TITLE_ARTICLES)


def signatory_title_errors(convention) -> dict[str, str]:
    """Return, per field, why a typed signatory's title is refused: without its article, the agreement would
    print « représentée par son Présidente » (the possessive is read from the article)."""
    errors = {}
    for field in ("beneficiary_signatory_title", "funder_signatory_title"):
        title = getattr(convention, field, "") or ""
        if title.strip() and not title_has_article(title):
            errors[field] = _("Indiquez la qualité avec son article, par exemple « La Présidente » ou « Le Trésorier » : "
                              "la convention imprime « représentée par sa Présidente », « par son Trésorier ».")
    return errors


@dataclass(frozen=True)
class Signatory:
    """One party's signatory for one agreement."""

    side: str  # « Pour l'association », « Pour la Métropole »
    name: str  # as printed under the signature: « Martine VASSAL »
    title: str  # with its article: « La Présidente », « Le Vice-Président délégué à l'économie »
    named: str  # in the parties' paragraph, with the civility when known: « Monsieur Fabien ALLI »
    delegation: str = ""  # the act that gives the delegation: « l'arrêté n° 23/045 du 12 janvier 2023 »
    delegated_by: str = ""  # who delegates: « la Présidente »
    in_office: bool = False  # the funder's own representative: « sa Présidente en exercice »

    @property
    def possessive(self) -> str:
        return "sa" if self.title.lower().startswith("la ") else "son"

    @property
    def title_without_article(self) -> str:
        for article in TITLE_ARTICLES:
            if self.title.lower().startswith(article):
                return self.title[len(article):]
        return self.title

    @property
    def delegation_line(self) -> str:
        """Return « Pour la Présidente et par délégation » above the title when the signatory has a delegation."""
        return f"Pour {self.delegated_by} et par délégation" if self.delegation else ""

    def represented_by(self) -> str:
        """Return how the parties' paragraph names the signatory.

        « sa Présidente en exercice, Martine VASSAL »; « son Vice-Président délégué à l'économie,
        Jean DUPONT, agissant par délégation de la Présidente (arrêté n° 23/045 du 12 janvier 2023) ».
        """
        text = f"{self.possessive} {self.title_without_article}{' en exercice' if self.in_office else ''}, {self.named}"
        if self.delegation:
            text += f", agissant par délégation de {self.delegated_by} ({self.delegation})"
        return text


def _lower_article(title: str) -> str:
    return title[:1].lower() + title[1:] if title[:3].lower() in ("le ", "la ") or title[:2].lower() == "l'" else title


def funder_default_title(convention) -> str:
    return convention.funder.representative_title


def beneficiary_default_title(convention) -> str:
    beneficiary = convention.beneficiary
    article = "La" if beneficiary.representative_civility == Civility.MRS else "Le"
    return f"{article} {beneficiary.representative_title}"


def funder_signatory(convention) -> Signatory:
    """Return who signs for the funder: the agreement's own signatory, or the funder's representative."""
    funder = convention.funder
    name = convention.funder_signatory.strip() or funder.representative_name
    title = convention.funder_signatory_title.strip() or funder_default_title(convention)
    delegation = convention.funder_signatory_delegation.strip()
    return Signatory(
        side=f"Pour {funder.short_name}", name=name, title=title, named=name, delegation=delegation,
        delegated_by=_lower_article(funder.representative_title) if delegation else "",
        in_office=not delegation and title == funder.representative_title,
    )


def beneficiary_signatory(convention) -> Signatory:
    """Return who signs for the association: the agreement's own signatory, or its legal representative."""
    beneficiary = convention.beneficiary
    typed = convention.beneficiary_signatory.strip()
    is_representative = not typed or typed == beneficiary.representative_name
    return Signatory(
        side="Pour l'association", name=typed or beneficiary.representative_name,
        title=convention.beneficiary_signatory_title.strip() or beneficiary_default_title(convention),
        named=beneficiary.representative if is_representative else typed,
    )


def signatories_record(convention) -> list[str]:
    """Write the resolved titles on the agreement where they were left empty; return the fields set.

    Called when the agreement is signed, so that it keeps the titles it was signed under.
    """
    changed = []
    if not convention.funder_signatory_title.strip():
        convention.funder_signatory_title = funder_default_title(convention)
        changed.append("funder_signatory_title")
    if not convention.beneficiary_signatory_title.strip():
        convention.beneficiary_signatory_title = beneficiary_default_title(convention)
        changed.append("beneficiary_signatory_title")
    return changed
