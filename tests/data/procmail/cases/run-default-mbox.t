# A DEFAULT that is no Maildir: the user's INBOX instead.
--- rc
DEFAULT=/var/mail/bob
--- trace
maildir $T/Maildir (default)
--- error
DEFAULT '/var/mail/bob' is not a Maildir (no trailing '/'): using $T/Maildir/
