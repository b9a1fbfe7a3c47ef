"""Hostile or damaged spreadsheets sent to the budget import (issue 4): each is refused with a
French message, parsed within bounded memory, and nothing is saved."""

import io
import tracemalloc
import zipfile

import openpyxl.xml
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from budgets.models import BudgetLine
from budgets.services import budget_import
from tests.factories import BudgetFactory, MembershipFactory, UserFactory, add_balanced_lines

SHEET = "xl/worksheets/sheet1.xml"
DTD_REFUSED = "Le classeur contient une déclaration de type de document (DTD), qu'aucun tableur n'écrit : il est " \
              "refusé par sécurité."
UNREADABLE = "Le classeur n'a pas pu être lu : il est abîmé ou incomplet."


def workbook_bytes() -> bytes:
    """Return a small, valid budget workbook: a header and one line, strings inline in the sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    sheet.append(["Compte", "Libellé", "Montant"])
    sheet.append(["641", "Salaires", 100])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezip(content: bytes, *, replace: dict | None = None, drop: tuple = (), add: dict | None = None) -> bytes:
    """Return ``content`` with some parts replaced, dropped or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(content: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(content)).read(SHEET).decode()


def with_cell(xml: str, text: str, *, doctype: str) -> bytes:
    """Return the sheet's XML with ``doctype`` declared and a third row whose label cell is ``text``."""
    row = (f'<row r="3"><c r="A3" t="inlineStr"><is><t>606</t></is></c><c r="B3" t="inlineStr"><is><t>{text}</t>'
           '</is></c><c r="C3" t="n"><v>5</v></c></row>')
    return ('<?xml version="1.0" encoding="UTF-8"?>' + doctype + xml.replace("</sheetData>", row + "</sheetData>")).encode()


def billion_laughs(content: bytes) -> bytes:
    """Ten levels of ten entities each: 10⁹ « lol », about 3 GB once expanded, in under 1 KB."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE worksheet [" + "".join(entities) + "]>"
    return rezip(content, replace={SHEET: with_cell(sheet_xml(content), "&lol9;", doctype=doctype)})


@pytest.fixture
def budget(db):
    return add_balanced_lines(BudgetFactory())


@pytest.fixture
def user(db):
    return UserFactory()


def lines_of(budget):
    return sorted(BudgetLine.objects.filter(budget=budget).values_list("code", "label", "amount"))


def refused(budget, content: bytes, user, name="budget.xlsx") -> list[str]:
    """Import ``content`` and return the French messages of its refusal; the budget must be untouched."""
    before = lines_of(budget)
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=SimpleUploadedFile(name, content), user=user)
    assert lines_of(budget) == before, "a refused file must leave the budget untouched"
    return exc.value.messages


def test_a_truncated_sheet_is_refused_in_french(budget, user):
    content = workbook_bytes()
    xml = sheet_xml(content)
    messages = refused(budget, rezip(content, replace={SHEET: xml[: len(xml) // 2]}), user)
    assert messages[0].startswith(UNREADABLE)


def test_a_sheet_named_by_the_workbook_but_missing_from_the_zip_is_refused(budget, user):
    assert refused(budget, rezip(workbook_bytes(), drop=(SHEET,)), user)[0].startswith(
        "Le classeur ne contient aucune feuille lisible : il est abîmé ou incomplet.")


def test_a_part_whose_compressed_data_is_damaged_is_refused(budget, user):
    content = bytearray(workbook_bytes())
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + 20):  # inside the sheet's deflate stream
        content[offset] ^= 0x55
    assert refused(budget, bytes(content), user)[0].startswith(UNREADABLE)


def test_a_billion_laughs_sheet_is_refused_without_expanding(budget, user):
    content = billion_laughs(workbook_bytes())
    assert len(content) < 10_000
    tracemalloc.start()
    try:
        messages = refused(budget, content, user)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert messages == [DTD_REFUSED + " Enregistrez-le de nouveau au format .xlsx depuis votre tableur."]
    assert peak < 10 * 1024 * 1024, f"the import used {peak / 1024 / 1024:.0f} MB"


def test_an_external_entity_is_refused_and_the_file_it_names_never_read(budget, user, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE-DU-SERVEUR")
    content = workbook_bytes()
    doctype = f'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>'
    hostile = rezip(content, replace={SHEET: with_cell(sheet_xml(content), "&secret;", doctype=doctype)})
    messages = refused(budget, hostile, user)
    assert messages[0].startswith(DTD_REFUSED)
    assert "MOT-DE-PASSE" not in " ".join(messages)
    assert not BudgetLine.objects.filter(label__contains="MOT-DE-PASSE").exists()


def test_a_dtd_hidden_in_utf_16_or_in_a_part_of_any_name_is_refused(budget, user):
    content = workbook_bytes()
    dtd = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    assert refused(budget, rezip(content, add={"xl/cache/part.bin": dtd}), user)[0].startswith(DTD_REFUSED)


def test_openpyxl_parses_with_defusedxml_so_entities_are_refused_even_past_our_scan(budget, user, monkeypatch):
    """The second wall: were the DTD scan missing, openpyxl (through defusedxml) still refuses entities."""
    assert openpyxl.xml.DEFUSEDXML is True
    monkeypatch.setattr("budgets.imports.DOCTYPE_MARKERS", ())
    tracemalloc.start()
    try:
        messages = refused(budget, billion_laughs(workbook_bytes()), user)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert messages[0].startswith(UNREADABLE)
    assert peak < 10 * 1024 * 1024, f"the import used {peak / 1024 / 1024:.0f} MB"


def test_a_zip_with_too_many_entries_is_refused_for_its_entries_not_its_size(budget, user):
    padding = {f"xl/media/image{i}.png": b"" for i in range(500)}
    messages = refused(budget, rezip(workbook_bytes(), add=padding), user)
    assert messages == ["Le classeur contient 509 fichiers internes (limite : 500) : il est refusé par sécurité."]


def test_the_portal_shows_a_damaged_workbook_refused_in_french_not_a_server_error(client, db):
    member = UserFactory()
    budget = add_balanced_lines(BudgetFactory(convention__beneficiary=MembershipFactory(user=member).beneficiary))
    client.force_login(member)
    content = workbook_bytes()
    xml = sheet_xml(content)
    damaged = SimpleUploadedFile("budget.xlsx", rezip(content, replace={SHEET: xml[:-40]}))
    before = lines_of(budget)
    response = client.post(reverse("portal_budgets:forecast_import", args=[budget.convention_id]),
                           {"file": damaged, "version": budget.version})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le fichier est refusé : aucune ligne n'a été enregistrée." in page
    assert "Le classeur n&#x27;a pas pu être lu : il est abîmé ou incomplet." in page
    assert lines_of(budget) == before
