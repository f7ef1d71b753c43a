# expect: discard
discard;
