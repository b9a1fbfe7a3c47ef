"""The agreement's page reads each inline's rows with their agreement: no query per row."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conventions.models import Amendment
from documents.models import Document, DocumentKind
from finance.models import PaymentKind, PaymentRequest, PaymentStatus


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_agreement_page_query_count_does_not_grow_with_documents_payments_and_amendments(agent_client, seed_convention):
    url = reverse("admin:conventions_convention_change", args=[seed_convention.pk])
    queries_of(agent_client, url)  # warm the caches
    before = queries_of(agent_client, url)
    for number in range(1, 6):
        Document.objects.create(convention=seed_convention, kind=DocumentKind.BOARD_CHANGE, due_on=date(2023, 6, 30))
        PaymentRequest.objects.create(
            convention=seed_convention, kind=PaymentKind.ADVANCE, amount=Decimal("100.00"), status=PaymentStatus.REJECTED,
            certified_by_name="Fabien ALLI", certified_by_quality="Président", certified_on=date(2023, 4, 1),
            rejection_reason="RIB illisible",
        )
        Amendment.objects.create(convention=seed_convention, number=number, subject=f"Avenant {number}", text="Texte")
    after = queries_of(agent_client, url)
    assert after == before, f"{before} queries, then {after} with 15 more rows in the inlines"
