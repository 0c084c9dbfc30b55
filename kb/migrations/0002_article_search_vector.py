"""Full-text search on PostgreSQL: a stored tsvector over title (weight A) and body (B), GIN-indexed.

As tickets/migrations/0003: SQLite has no tsvector, so this does nothing there and search
falls back to LIKE (kb/selectors.py). The column is not on the model; only the search reads it.
"""

from django.db import migrations

ADD = """
ALTER TABLE kb_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B')
) STORED;
CREATE INDEX kb_article_search_vector_idx ON kb_article USING GIN (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS kb_article_search_vector_idx;
ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector;
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(add, drop)]
