# ! forwards through the MTA; c keeps a copy.
--- rc
:0 c
! carol@example.net dave@example.net
--- trace
redirect carol@example.net dave@example.net
maildir $T/Maildir (default)
