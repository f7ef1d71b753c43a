# expect: keep
keep;
