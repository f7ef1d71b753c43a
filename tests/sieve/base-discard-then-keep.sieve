# expect: keep
discard;
keep;
