# A relative DEFAULT is relative to MAILDIR.
--- rc
DEFAULT=fallback/
--- trace
maildir $T/fallback (default)
