"""Portal URLs of the conventions app, included under /portail/ by config/urls.py."""

from django.urls import path

from . import portal_payments

app_name = "portal_conventions"

urlpatterns: list = [
    path("<int:convention_pk>/versements/", portal_payments.PaymentsView.as_view(), name="payments"),
    path("<int:convention_pk>/versements/<int:pk>/pdf/", portal_payments.PaymentPdfView.as_view(), name="payment_pdf"),
]
