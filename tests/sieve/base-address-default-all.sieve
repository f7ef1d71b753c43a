# expect: discard
if address "from" "ALICE@example.com" { discard; }
