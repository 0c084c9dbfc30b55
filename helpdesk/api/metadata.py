"""What an ``OPTIONS`` request answers: the endpoint's name, description and media types.

DRF's default also describes each write's fields, and to do so runs the permission check and,
for PUT, ``get_object()``; on a collection-level PUT action (``notifications/preferences``)
there is no object and that asserts, a 500. The OpenAPI schema (``/api/schema/``) describes
the fields, for every role, without running anything.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        return {}
