"""Development settings: ``make run`` writes a ``.env`` with DEBUG and a random SECRET_KEY."""

from config.settings.base import *  # noqa: F403
