"""The API's parsers: DRF's, with the nesting limit of ``helpdesk.safejson`` and Django's field limits as 400s.

Django raises ``TooManyFieldsSent`` / ``TooManyFilesSent`` (``SuspiciousOperation``) from form
parsing; DRF passes them through as unknown exceptions, which the error handler answers 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from helpdesk import safejson


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            safejson.check_depth(data)
        except (RecursionError, safejson.TooDeep):
            raise ParseError(f"JSON parse error - {safejson.TooDeep()}") from None
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            raise ParseError(f"Form parse error - {exc}") from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except (TooManyFieldsSent, TooManyFilesSent) as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from None
