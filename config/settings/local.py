"""Development settings: ``make run`` writes a ``.env`` with DEBUG and a random SECRET_KEY."""

from .base import *  # noqa: F403
