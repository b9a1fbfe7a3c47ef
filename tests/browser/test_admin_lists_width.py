"""The staff lists fit a 1366 × 768 screen: no column hidden behind a horizontal scroll."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTS = ["conventions/convention", "budgets/budget", "finance/paymentrequest", "documents/document",
         "campaigns/application"]


def test_the_lists_fit_a_1366_pixel_screen(browser, live_server, demo_committed):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "demo")
    page.click("input[type=submit]")
    for path in LISTS:
        page.goto(f"{live_server.url}/admin/{path}/")
        table, box = page.evaluate("[document.querySelector('#result_list').scrollWidth,"
                                   " document.querySelector('#changelist .results').clientWidth]")
        assert table <= box, f"{path}: table {table} px in {box} px"
        assert page.locator("link[rel=icon]").count() == 1
    context.close()
