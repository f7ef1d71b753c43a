# A person is not a daemon.
--- rc
:0
* ^FROM_DAEMON
daemon/
--- trace
maildir $T/Maildir (default)
