# expect: keep
stop;
discard;
