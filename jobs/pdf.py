"""One PDF of many items for a job, with its progress.

Rendered as one document, not by chunks merged afterwards: the footers' « page k / N » are counted
by the layout of one document, and chunks would restart them (« page 1 / 20 » again at the 21st)."""

from collections.abc import Callable, Sequence

from jobs.registry import Progress


def rendered_pdf(items: Sequence, render: Callable[[Sequence], bytes], progress: Progress) -> bytes:
    """Return ``render(items)``, the job's progress at 0 of ``len(items)`` before and all of them after."""
    progress(0, len(items))
    content = render(items)
    progress(len(items), len(items))
    return content
