# expect: keep
keep;
keep;
