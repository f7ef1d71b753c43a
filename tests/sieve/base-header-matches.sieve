# expect: discard
if header :matches "Subject" "H*o w?rld" { discard; }
