# expect: keep
if anyof (false, not true) { discard; }
