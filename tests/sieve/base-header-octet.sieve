# expect: keep
if header :comparator "i;octet" :is "Subject" "hello world" { discard; }
