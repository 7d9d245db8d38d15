"""Database features that only PostgreSQL has, declared so that SQLite skips them cleanly."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField
from django.db.models import Func


class DateRange(Func):
    """PostgreSQL's daterange(lower, upper, bounds) over two date columns."""

    function = "DATERANGE"
    output_field = DateRangeField()


class PostgreSQLExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL and is skipped elsewhere.

    SQLite has no exclusion constraints: there the service function's own check is the only
    guard, which holds because SQLite runs one writing transaction at a time. Model validation
    is left to that check too (it gives the message a person can act on).
    """

    @staticmethod
    def _supported(schema_editor):
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._supported(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._supported(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._supported(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        return None
