"""Tenant isolation cases of the agreement's messages (messaging/views.py); see tests/portal_cases.py."""

from messaging.models import Side
from messaging.services import message_post
from tests.factories import MembershipFactory
from tests.portal_cases import isolation_case
from tests.samples import pdf_bytes, upload


@isolation_case("portal_conventions:messages")
def _messages(convention):
    return {"convention_pk": convention.pk}


@isolation_case("portal_conventions:message_attachment")
def _message_attachment(convention):
    author = MembershipFactory(beneficiary=convention.beneficiary).user
    message = message_post(convention=convention, author=author, side=Side.ASSOCIATION, body="Voici le devis.",
                           files=[upload("devis.pdf", pdf_bytes())])
    return {"convention_pk": convention.pk, "pk": message.attachments.get().pk}
