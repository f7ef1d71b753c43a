# expect: discard
if allof (exists "From", header :contains "Subject" "Hello", not exists "X-Missing") { discard; }
