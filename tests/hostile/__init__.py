"""The hostile-input suite (issue item 9): every form of the portal and of the admin that a
member or an agent can reach gets NUL, control and bidirectional characters, 100 000-character
texts, emoji, numbers of thousands of digits, dates out of range, forged identifiers; the answer
is the form again with its error or a French 400/403/404 page, never a server error, and a
refusal changes nothing in the database.

The forms are found, not listed: the admin's from ``admin.site._registry`` (add and change
pages) and from the links of the demo's change pages (its own pages); the portal's by walking
its links as the demo's members. ``harness.Probe`` sends the values (``values``) and checks
each answer; ``html_forms`` reads a page's forms as a browser would send them.

It runs with the rest of the suite (``make test``), on SQLite and on PostgreSQL.
"""
