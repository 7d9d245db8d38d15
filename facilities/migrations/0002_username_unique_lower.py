"""User names are unique whatever their case, guaranteed by the database.

An expression index on lower(username): PostgreSQL and SQLite (3.9 and later) both have them,
with the same statement.
"""

from django.db import migrations

INDEX = "auth_user_username_lower_uniq"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("facilities", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(username))",
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
    ]
