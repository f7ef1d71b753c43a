# expect: keep
if allof (true, false) { discard; }
