# expect: discard
if header :comparator "i;octet" :is "Subject" "Hello world" { discard; }
