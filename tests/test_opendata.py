"""Open data: the SCDL « Subventions » 2.1.1 export, validated against the schema file itself."""

import csv
import io
import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import attrs
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from frictionless import Check, Checklist, Resource, Schema, errors

from beneficiaries.models import Beneficiary
from compliance.checks import State, convention_checks
from compliance.jobs import SCDL_CSV
from compliance.opendata import (
    SCDL_FIELDS,
    SCHEMA_PATH,
    custom_check_errors,
    french_siret_value_is_valid,
    scdl_export,
    write_scdl_csv,
)
from conventions.models import Amendment, AmendmentStatus, Convention, Status
from finance.models import PaymentKind
from jobs.models import Job
from tests.factories import ConventionFactory, PaymentRequestFactory

SHARED_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "scdl-subventions" / "schema.json"


# The schema's two ``custom_checks`` are unknown to frictionless: they are given to it here,
# delegating to the implementation the export itself applies (conventions.opendata).
@attrs.define(kw_only=True, repr=False)
class FrenchSiretValue(Check):
    type = "french-siret-value"
    Errors = [errors.CellError]
    column: str

    def validate_row(self, row):
        value = row[self.column]
        if value and not french_siret_value_is_valid(str(value)):
            yield errors.CellError.from_row(row, note="SIRET invalide", field_name=self.column)


@attrs.define(kw_only=True, repr=False)
class OneOfRequired(Check):
    type = "one-of-required"
    Errors = [errors.RowError]
    column1: str
    column2: str

    def validate_row(self, row):
        if not (row[self.column1] or row[self.column2]):
            yield errors.RowError.from_row(row, note=f"{self.column1} ou {self.column2} requis")


def schema_checklist() -> Checklist:
    checks = []
    for spec in json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["custom_checks"]:
        cls = FrenchSiretValue if spec["name"] == "french-siret-value" else OneOfRequired
        checks.append(cls(**spec["params"]))
    return Checklist(checks=checks)


def validate(tmp_path, text: str):
    (tmp_path / "export.csv").write_text(text, encoding="utf-8")
    resource = Resource(path="export.csv", basepath=str(tmp_path), schema=Schema.from_descriptor(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))))
    return resource.validate(checklist=schema_checklist())


def export_text() -> str:
    buffer = io.StringIO()
    write_scdl_csv(scdl_export(), buffer)
    return buffer.getvalue()


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def scdl_file(client):
    """The file of the last open-data job (``staff:scdl_export`` starts one and opens its page)."""
    response = client.get(reverse("jobs:file", args=[Job.objects.filter(kind=SCDL_CSV).latest("pk").pk]))
    assert response.status_code == 200
    return response


def test_the_shipped_schema_is_the_reference_copy():
    if SHARED_SCHEMA.exists():  # CI may not have shared/ beside the repository
        assert SCHEMA_PATH.read_bytes() == SHARED_SCHEMA.read_bytes()
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["version"] == "2.1.1"
    assert tuple(field["name"] for field in schema["fields"]) == SCDL_FIELDS


def test_the_export_of_the_demo_data_is_valid_against_the_schema(demo, tmp_path):
    text = export_text()
    report = validate(tmp_path, text)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert text.splitlines()[0] == ",".join(SCDL_FIELDS)
    # One row per one-year agreement, one per voted year of the multi-year one (2025 and 2026).
    assert len(rows_of(text)) == Convention.objects.signed().filter(is_multiannual=False).count() + 2 == 7


def test_the_validator_does_catch_an_invalid_file(demo, tmp_path):
    text = export_text().replace(",1.00,", ",1.50,").replace("20005480700017", "20005480700018")
    report = validate(tmp_path, text)
    kinds = {(error[1], error[2]) for error in report.flatten(["rowNumber", "fieldName", "type"])}
    assert ("pourcentageSubvention", "constraint-error") in kinds
    assert ("idAttribuant", "cell-error") in kinds


def test_an_agreement_paid_in_advance_and_balance_is_exported_as_scheduled(demo):
    row = next(r for r in rows_of(export_text()) if r["nomBeneficiaire"] == "Maison de l'entrepreneuriat solidaire")
    assert row == {
        "nomAttribuant": "Métropole Aix-Marseille-Provence", "idAttribuant": "20005480700017",
        "dateConvention": "2024-03-08", "referenceDecision": "ECO 021-0502/24/BM",
        "nomBeneficiaire": "Maison de l'entrepreneuriat solidaire", "idBeneficiaire": "43219876500013",
        "rnaBeneficiaire": "W131098765",
        "objet": "Accompagnement de porteurs de projets de l'économie sociale et solidaire",
        "montant": "25000.00", "nature": "aide en numéraire", "conditionsVersement": "échelonné",
        "datesPeriodeVersement": "2024-04-02/2025-07-15", "idRAE": "", "notificationUE": "non",
        "pourcentageSubvention": "1.00", "dispositifAide": "",
    }


def test_the_montant_published_is_the_amount_in_force_after_signed_amendments(amended_agreement, tmp_path):
    # SCDL « montant »: « Montant total de la subvention attribuée ». 45 000 granted, + 5 000 by
    # the signed amendment n° 1; the draft amendment n° 2 (+ 1 000) is not part of the agreement yet.
    text = export_text()
    row = next(r for r in rows_of(text) if r["nomBeneficiaire"] == "Provence Images en mouvement")
    assert row["montant"] == "50000.00"
    assert validate(tmp_path, text).valid


def test_a_payment_still_to_come_is_expected_by_the_justification_date(demo):
    rows = {r["nomBeneficiaire"]: r for r in rows_of(export_text())}
    assert rows["Les Jardins partagés de l'Huveaune"]["datesPeriodeVersement"] == "2025-05-06/2026-06-30"
    assert rows["Provence Images en mouvement"]["datesPeriodeVersement"] == "2026-03-09/2027-06-30"
    assert rows["Les Tréteaux du Vieux-Port"]["datesPeriodeVersement"] == "2025-04-08"  # terminated after the advance


def test_an_agreement_not_signed_is_not_exported(demo):
    assert "Pôle Solutions Communicantes Sécurisées" not in export_text()


def test_a_single_payment_is_exported_as_unique(db):
    convention = ConventionFactory(status=Status.CLOSED, advance_cap_percent=D("100"),
                                   beneficiary_signed_on=date(2025, 2, 1), funder_signed_on=date(2025, 2, 3))
    PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, amount=D("10000"), paid_on=date(2025, 3, 1))
    row = rows_of(export_text())[0]
    assert row["conditionsVersement"] == "unique" and row["datesPeriodeVersement"] == "2025-03-01"


def test_an_agreement_missing_required_data_is_listed_not_exported(db, tmp_path):
    ConventionFactory(reference="AMP-OK", status=Status.SIGNED,
                      beneficiary_signed_on=date(2025, 2, 1), funder_signed_on=date(2025, 2, 3))
    ConventionFactory(reference="AMP-SANS-DATE", status=Status.SIGNED)
    broken = ConventionFactory(reference="AMP-SIRET-FAUX", status=Status.SIGNED, beneficiary__rna="",
                               beneficiary_signed_on=date(2025, 2, 1), funder_signed_on=date(2025, 2, 3))
    Beneficiary.objects.filter(pk=broken.beneficiary_id).update(siret="12345678901234")
    export = scdl_export()
    problems = {p.convention.reference: p.missing for p in export.problems}
    assert [c.reference for c in export.conventions] == ["AMP-OK"]
    assert "date de signature de la convention (dateConvention)" in problems["AMP-SANS-DATE"]
    assert "SIRET de l'association (idBeneficiaire) invalide" in problems["AMP-SIRET-FAUX"]
    assert "SIRET ou RNA de l'association (idBeneficiaire ou rnaBeneficiaire)" in problems["AMP-SIRET-FAUX"]
    buffer = io.StringIO()
    write_scdl_csv(export, buffer)
    assert validate(tmp_path, buffer.getvalue()).valid


@pytest.mark.parametrize(
    "value, valid",
    [("20005480700017", True), ("20005480700018", False), ("35600000000048", True), ("1234", False)],
)
def test_the_french_siret_value_check(value, valid):
    assert french_siret_value_is_valid(value) is valid


def test_the_one_of_required_check():
    assert custom_check_errors({"idAttribuant": "20005480700017", "idBeneficiaire": "", "rnaBeneficiaire": "W133012345"}) == []
    assert custom_check_errors({"idAttribuant": "20005480700017", "idBeneficiaire": "", "rnaBeneficiaire": ""}) == [
        "idBeneficiaire ou rnaBeneficiaire doit être renseigné."
    ]


def test_the_command_writes_the_file_staff_download(agent_client, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("export_scdl", "--output", str(tmp_path / "scdl.csv"), stdout=out, stderr=err)
    job_page = agent_client.get(reverse("staff:scdl_export"), follow=True)  # made by a background job
    assert "Télécharger subventions-scdl-2.1.1-" in job_page.content.decode()
    response = scdl_file(agent_client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="subventions-scdl-2.1.1-')
    assert (tmp_path / "scdl.csv").read_bytes() == b"".join(response.streaming_content)
    assert "6 convention(s) exportée(s) (7 ligne(s))" in err.getvalue()


def test_the_command_lists_incomplete_agreements_on_stderr(db):
    ConventionFactory(reference="AMP-SANS-DATE", status=Status.SIGNED)
    out, err = io.StringIO(), io.StringIO()
    call_command("export_scdl", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [",".join(SCDL_FIELDS)]
    assert "AMP-SANS-DATE" in err.getvalue() and "dateConvention" in err.getvalue()


def test_marking_the_export_published_meets_the_open_data_obligation(demo, tmp_path):
    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    assert next(c for c in convention_checks(convention, today=date(2026, 1, 1)) if c.code == "open_data").state == State.LATE
    call_command("export_scdl", "--output", str(tmp_path / "scdl.csv"), "--mark-published",
                 stdout=io.StringIO(), stderr=io.StringIO())
    convention.refresh_from_db()
    assert convention.open_data_published_on is not None
    assert convention.history.first().open_data_published_on == convention.open_data_published_on
    assert next(c for c in convention_checks(convention, today=date(2026, 1, 1)) if c.code == "open_data").state == State.OK


def test_the_dashboard_links_to_the_download_with_a_plain_get_link(agent_client):
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    assert f'<a href="{reverse("staff:scdl_export")}">Télécharger les données ouvertes' in page


def test_the_download_is_for_staff_only(client, demo):
    response = client.get(reverse("staff:scdl_export"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.login(username="scs", password="demo")
    assert client.get(reverse("staff:scdl_export")).status_code == 302


def test_the_download_query_count_does_not_grow_with_agreements(agent_client):
    url = reverse("staff:scdl_export")
    with CaptureQueriesContext(connection) as before:
        agent_client.get(url)
    before = len(before.captured_queries)  # read now: the log is emptied by the next request
    for _ in range(10):
        convention = ConventionFactory(status=Status.ACTIVE, beneficiary_signed_on=date(2025, 2, 1),
                                       funder_signed_on=date(2025, 2, 3))
        PaymentRequestFactory(convention=convention)
        Amendment.objects.create(convention=convention, number=1, subject="Hausse", text="Hausse.",
                                 amount_change=D("1000"), status=AmendmentStatus.SIGNED)
    with CaptureQueriesContext(connection) as after:
        agent_client.get(url)
    after = len(after.captured_queries)
    assert len(rows_of(b"".join(scdl_file(agent_client).streaming_content).decode())) == 17  # 10 new, 5 signed demo agreements, the 2 voted years of the multi-year one
    # savepoint, session, user, user and group permissions, agreements, their payments, the voted years of
    # multi-year agreements, release (9); the job's own 12 (jobs.services): the owner's silent jobs (the
    # lease), one under way?, created, claimed, read, its progress twice, finished, read back, its owner and
    # their choice of digest, read back
    assert after == before == 21
