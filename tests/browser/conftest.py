"""Browser tests: Playwright for Python driving Debian's Chromium on pytest-django's live server.

Reusable by every browser test under ``tests/browser/``:

- ``page``: a fresh French-speaking Chromium page (1280 px wide; ``set_viewport_size`` for 375);
- ``portal_login(page, live_server, user)``: log in through the portal's login form;
- ``assert_accessible(page)``: run axe-core on the current page and fail on any serious or
  critical violation, listing each with the elements concerned.

Tests are marked ``browser`` and skipped, with the reason, when /usr/bin/chromium or Playwright
is missing; ``assert_accessible`` also needs axe-core (``make browser-deps``). No browser is
ever downloaded: Playwright launches the system Chromium through ``executable_path``.
"""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
#: Root in a container, no network: no sandbox, no GPU, nothing that calls home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--lang=fr-FR",
]
#: axe-core impacts that fail a test.
BLOCKING_IMPACTS = {"serious", "critical"}

def browser_skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium absent ({CHROMIUM}) : apt-get install chromium chromium-driver"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright pour Python absent : pip install -e '.[dev]'"
    return None


def pytest_collection_modifyitems(config, items):
    reason = browser_skip_reason()
    if reason:
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module, stopped after it.

    Playwright's sync API runs an event loop in the test thread, so Django takes the ORM calls
    the tests make there (factories) for async code: allow them while the browser runs, and only
    then (``manage.py check --deploy`` rightly refuses that variable).
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


#: Where a failed browser test leaves a screenshot and the page's HTML.
FAILURES_DIR = Path(__file__).resolve().parents[2] / ".test-media" / "browser-failures"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def page(browser, request):
    # bypass_csp lets the test inject axe-core; the pages themselves run under the real policy.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(30_000)  # 2 shared cores: be patient, but not forever
    if AXE_JS.exists():  # injected by the browser into every page it opens, not sent again for each check
        context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    yield page
    if getattr(request.node, "browser_call_failed", False):
        FAILURES_DIR.mkdir(parents=True, exist_ok=True)
        stem = FAILURES_DIR / request.node.name.replace("/", "_")
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.html").write_text(page.content())
        print(f"\nPage at failure ({page.url}): {stem}.png, {stem}.html")
    context.close()


@pytest.fixture
def portal_login():
    """Return ``login(page, live_server, user, password=…)``: log in through the login form."""

    def login(page, live_server, user, password="motdepasse-solide-42"):  # noqa: S107 - factories
        page.goto(f"{live_server.url}/portail/connexion/")
        page.get_by_label("Identifiant").fill(user.get_username())
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        assert "/portail/connexion/" not in page.url, "login failed"

    return login


def axe_violations(page, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Run axe-core on ``page`` and return its violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [v for v in results["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.fixture
def assert_accessible():
    """Return ``check(page)``: fail when axe-core finds a serious or critical violation."""
    if not AXE_JS.exists():
        pytest.skip("axe-core absent : make browser-deps (npm ci dans tests/browser)")

    def check(page, label: str = ""):
        violations = axe_violations(page)
        where = label or page.url
        assert violations == [], f"axe-core, {where}:\n{describe(violations)}"

    return check
