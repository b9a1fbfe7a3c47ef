"""Who the association contacts at the funder: the agreement's instructing agent and the service's details.

``agreement_contact(convention)`` for a page about one agreement; ``funder_contacts(beneficiary)``
elsewhere (the funders of the association's agreements). A part that is not known is left out,
never shown as « None » or an empty label; the service falls back to the funder's name and
its address to the funder's.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from conventions.models import Convention, Funder


@dataclass(frozen=True)
class Contact:
    agent: str
    service: str
    address: str
    phone: str
    email: str
    #: The contact of one agreement (whose agent may be not designated yet), or of the funder as a whole.
    for_agreement: bool = False

    def parts(self) -> list[str]:
        """Return the known parts, in order, labelled: « Claire MARTIN », « service … », « téléphone … »."""
        parts = [self.agent] if self.agent else []
        parts.append(self.service)
        if self.address:
            parts.append(self.address)
        if self.phone:
            parts.append(_("téléphone %(phone)s") % {"phone": self.phone})
        if self.email:
            parts.append(_("courriel %(email)s") % {"email": self.email})
        return parts


def funder_contact(funder: Funder, agent=None, *, for_agreement: bool = False) -> Contact:
    """Return the contact of ``funder``'s instructing service, with ``agent`` (a user) named when given."""
    service = funder.service_name.strip() or _("service instructeur")
    address = funder.service_address.strip() or ", ".join(
        part for part in [funder.address.strip(), f"{funder.postal_code} {funder.city}".strip()] if part)
    name = (agent.get_full_name().strip() if agent is not None else "")
    return Contact(agent=name, service=_("%(service)s, %(funder)s") % {"service": service, "funder": funder.name},
                   address=address, phone=funder.service_phone.strip(), email=funder.email.strip(),
                   for_agreement=for_agreement)


def agreement_contact(convention: Convention) -> Contact:
    """Return the contact of ``convention``: its instructing agent, in its funder's instructing service."""
    return funder_contact(convention.funder, convention.instructing_agent, for_agreement=True)


def funder_contacts(beneficiary: Beneficiary | None) -> list[Contact]:
    """Return the contact of each funder of ``beneficiary``'s agreements (no agent: several may instruct)."""
    if beneficiary is None:
        return []
    funders = Funder.objects.filter(conventions__beneficiary=beneficiary).distinct().order_by("name")
    return [funder_contact(funder) for funder in funders]
