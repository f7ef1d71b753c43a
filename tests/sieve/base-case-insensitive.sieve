# expect: discard
IF HEADER :IS "subject" "hello world" { DISCARD; }
