"""Commands of the io room (filled in by its issue)."""

from __future__ import annotations
