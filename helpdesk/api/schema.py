"""OpenAPI schema tweaks."""

from __future__ import annotations

from typing import Any


def strip_trailing_slashes(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Document paths as PRODUCT.md writes them (``/api/v1/tickets/{id}``); both forms are served."""
    result["paths"] = {
        (path.rstrip("/") if path != "/" else path): item for path, item in result.get("paths", {}).items()
    }
    return result
