# error: err-unknown-test.sieve:2:4: unknown test "frobnicate"
if frobnicate { keep; }
