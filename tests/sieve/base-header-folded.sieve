# expect: discard
if header :contains "Received" "by mail.example.org with ESMTP" { discard; }
