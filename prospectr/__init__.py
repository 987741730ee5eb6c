"""prospectr: a terminal prospect tracker for solo home-business owners."""

__version__ = "0.1.0"
