# DEFAULT failing for good: the user's INBOX instead.
--- rc
DEFAULT=fail-perm/
--- trace
maildir $T/Maildir (default)
--- error
DEFAULT $T/fail-perm: injected permanent failure: using $T/Maildir/
