"""Portal URLs of the conventions app, included under /portail/ by config/urls.py."""

from django.urls import path

from documents import views as portal_documents
from dossier import views as portal_views
from finance import views as portal_payments
from messaging import views as portal_messages

app_name = "portal_conventions"

urlpatterns: list = [
    path("<int:convention_pk>/", portal_views.ConventionDetailView.as_view(), name="detail"),
    path("<int:convention_pk>/versements/", portal_payments.PaymentsView.as_view(), name="payments"),
    path("<int:convention_pk>/versements/<int:pk>/pdf/", portal_payments.PaymentPdfView.as_view(), name="payment_pdf"),
]

# Documents the association owes (justificatifs): conventions/portal_documents.py.
urlpatterns += [
    path("<int:convention_pk>/justificatifs/", portal_documents.DocumentListView.as_view(), name="documents"),
    path("<int:convention_pk>/justificatifs/<int:pk>/deposer/", portal_documents.DocumentUploadView.as_view(),
         name="document_upload"),
    path("<int:convention_pk>/justificatifs/<int:pk>/fichier/", portal_documents.DocumentFileView.as_view(),
         name="document_file"),
]

# The signed agreement and its signed amendments: conventions/portal_views.py.
urlpatterns += [
    path("<int:convention_pk>/documents-signes/", portal_views.SignedDocumentsView.as_view(), name="signed_documents"),
    path("<int:convention_pk>/convention-signee.pdf", portal_views.SignedConventionPdfView.as_view(),
         name="signed_pdf"),
    path("<int:convention_pk>/convention-executoire.pdf", portal_views.ExecutoryConventionPdfView.as_view(),
         name="executory_pdf"),
    path("<int:convention_pk>/avenants/<int:amendment_pk>/avenant-signe.pdf",
         portal_views.SignedAmendmentPdfView.as_view(), name="amendment_signed_pdf"),
]

# Renewal: start the forecast budget from the previous year's (dossier/renewal.py).
urlpatterns += [
    path("<int:convention_pk>/budget/partir-de-l-annee-precedente/", portal_views.RenewalBudgetCopyView.as_view(),
         name="renewal_budget_copy"),
]

# The thread of messages with the instructing service (messaging/views.py).
urlpatterns += [
    path("<int:convention_pk>/messages/", portal_messages.ThreadView.as_view(), name="messages"),
    path("<int:convention_pk>/messages/pieces-jointes/<int:pk>/", portal_messages.AttachmentView.as_view(),
         name="message_attachment"),
]
