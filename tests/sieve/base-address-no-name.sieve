# expect: discard
if address :contains "from" "Example" { discard; }
