# expect: keep
if address :contains "from" "Alice Ex" { discard; }
