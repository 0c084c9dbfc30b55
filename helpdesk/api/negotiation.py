"""Content negotiation that first refuses a method the view does not have (405).

DRF looks the handler up only after ``initial()``, which negotiates the format, authenticates
and checks the view's own parameters: a ``TRACE`` with ``?format=csv`` answered 404, one with a
bad ``?connection=`` 400. Negotiation is the first step of ``initial()``, so the method is
checked here, once for every view.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import MethodNotAllowed
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Any, renderers: list, format_suffix: str | None = None) -> tuple:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        method = request.method.lower()
        if view is not None and (method not in view.http_method_names or getattr(view, method, None) is None):
            raise MethodNotAllowed(request.method)
        return super().select_renderer(request, renderers, format_suffix)
