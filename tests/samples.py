"""Small real files for upload tests: a PDF, a PNG, a JPEG, made here rather than stored."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(pages: int = 1) -> bytes:
    """Return a valid PDF of ``pages`` blank A4 pages."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(image_format: str = "PNG", size=(40, 30)) -> bytes:
    """Return a valid image in ``image_format`` (PNG or JPEG)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 83, 148)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """Return a file as a browser would send it: any name, any declared type."""
    return SimpleUploadedFile(name, content, content_type=content_type)
