# expect: discard
if header :is "subject" "hello world" { discard; }
