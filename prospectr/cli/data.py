"""Commands of the data room (filled in by its issue)."""

from __future__ import annotations
