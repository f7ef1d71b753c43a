# error: err-not-list.sieve:2:4: not: needs exactly one test (not a test list)
if not (true, false) { keep; }
