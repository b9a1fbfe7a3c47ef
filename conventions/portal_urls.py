"""Portal URLs of the conventions app, included under /portail/conventions/ by config/urls.py."""

from django.urls import path

from . import portal_payments, portal_views

app_name = "portal_conventions"

urlpatterns: list = [
    path("<int:convention_pk>/versements/", portal_payments.PaymentsView.as_view(), name="payments"),
    path("<int:convention_pk>/versements/<int:pk>/pdf/", portal_payments.PaymentPdfView.as_view(), name="payment_pdf"),
    path("<int:convention_pk>/documents-signes/", portal_views.SignedDocumentsView.as_view(), name="signed_documents"),
    path("<int:convention_pk>/convention-signee.pdf", portal_views.SignedConventionPdfView.as_view(),
         name="signed_pdf"),
    path("<int:convention_pk>/avenants/<int:amendment_pk>/avenant-signe.pdf",
         portal_views.SignedAmendmentPdfView.as_view(), name="amendment_signed_pdf"),
]
