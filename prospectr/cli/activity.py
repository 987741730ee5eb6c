"""Commands of the activity room (filled in by its issue)."""

from __future__ import annotations
