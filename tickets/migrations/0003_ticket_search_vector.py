"""Full-text search on PostgreSQL: a stored tsvector kept current by the database, with a GIN index.

SQLite has no tsvector; there the API searches with a plain LIKE fallback, so
this migration does nothing on it. The column is not on the model: only the
search filter (tickets/api/filters.py) reads it.
"""

from django.db import migrations

ADD = """
ALTER TABLE tickets_ticket ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(number, '') || ' ' || coalesce(subject, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(affected_service, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
) STORED;
CREATE INDEX ticket_search_vector_idx ON tickets_ticket USING GIN (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS ticket_search_vector_idx;
ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_vector;
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_seed_categories_and_policies")]

    operations = [migrations.RunPython(add, drop)]
