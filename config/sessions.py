"""Database sessions that ignore a session cookie Django could not have issued.

Django's database backend looks any cookie value of 8 characters or more up in the session
table. On PostgreSQL a value holding a NUL character (a forged cookie ``"…\\000…"``, which
Django unquotes) makes that query fail, and every page answered a server error. A key that is
not in the form Django gives its keys is not looked up: the visitor is anonymous.
"""

import re

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

#: The keys Django generates: 32 of its key characters (the column holds at most 40).
SESSION_KEY = re.compile(f"[{re.escape(VALID_KEY_CHARS)}]{{8,40}}")


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return isinstance(key, str) and SESSION_KEY.fullmatch(key) is not None
