# expect: discard
if header :contains ["X-Nope", "Cc"] "dave" { discard; }
