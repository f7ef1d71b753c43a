# expect: keep
if size :under 10 { discard; }
