# expect: discard
if address :domain :is "cc" "example.net" { discard; }
