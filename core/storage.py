"""Where private files live: documents and signed PDFs, never served by the web server."""

from django.core.files.storage import storages


def private_storage():
    """Return the storage of private files (the ``private`` alias of ``STORAGES``)."""
    return storages["private"]
