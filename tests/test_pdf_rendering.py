import pytest

from core.pdf import ForbiddenResource, local_url_fetcher, static_file_uri


@pytest.mark.parametrize(
    "url", ["http://example.com/logo.png", "https://169.254.169.254/latest", "file:///etc/passwd", "ftp://x/y"]
)
def test_pdf_renderer_refuses_anything_but_our_files(url):
    with pytest.raises(ForbiddenResource):
        local_url_fetcher().fetch(url)


def test_pdf_renderer_reads_our_static_files():
    response = local_url_fetcher().fetch(static_file_uri("css/portal.css"))
    assert b"--accent" in response.read()
