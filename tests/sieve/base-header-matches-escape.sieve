# expect: keep
if header :matches "Subject" "Hello\\*" { discard; }
