# expect: discard
if address :is "from" "alice@example.com" { discard; }
