"""Commands of the report room (filled in by its issue)."""

from __future__ import annotations
