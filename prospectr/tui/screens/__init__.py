"""One screen (or modal form) per module."""
