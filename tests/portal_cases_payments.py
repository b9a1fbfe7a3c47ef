"""Tenant isolation cases of the payment request pages (conventions/portal_payments.py);
see tests/portal_cases.py."""

from tests.factories import PaymentRequestFactory, balanced_forecast
from tests.portal_cases import isolation_case


@isolation_case("portal_conventions:payments")
def _payments(convention):
    balanced_forecast(convention)
    return {"convention_pk": convention.pk}


@isolation_case("portal_conventions:payment_pdf")
def _payment_pdf(convention):
    balanced_forecast(convention)
    return {"convention_pk": convention.pk, "pk": PaymentRequestFactory(convention=convention).pk}
