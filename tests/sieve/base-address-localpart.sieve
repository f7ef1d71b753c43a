# expect: discard
if address :localpart :is ["to", "cc"] "carol" { discard; }
