"""Lookups that a forged identifier cannot turn into a server error."""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    """``in`` on an integer column, values the column cannot hold left out.

    Django does so for ``exact`` and the comparisons (``IntegerFieldOverflow``), not for
    ``in``: ``id__in=[10**30]`` raised « Python int too large to convert to SQLite INTEGER »,
    so a forged id in a multiple select (a group's permissions) or an autocomplete field of the
    admin was a server error. No row holds such a value: leaving it out changes no answer.
    """

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value for value in self.rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
