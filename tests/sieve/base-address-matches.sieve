# expect: discard
if address :matches "to" "*@example.net" { discard; }
