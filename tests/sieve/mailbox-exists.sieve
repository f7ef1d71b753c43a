# mailboxes: Junk
# crosscheck: no
# expect: fileinto Junk
require ["fileinto", "mailbox"];
if mailboxexists "Junk" { fileinto "Junk"; }
if mailboxexists ["Junk", "Nope"] { discard; }
