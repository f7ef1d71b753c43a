# ^FROM_DAEMON and ^FROM_MAILER catch bounces.
--- msg
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bob@example.org
Subject: Undelivered Mail Returned to Sender

bounce
--- rc
:0 c
* ^FROM_MAILER
mailer/
:0
* ^FROM_DAEMON
daemon/
--- trace
maildir $T/mailer
maildir $T/daemon
