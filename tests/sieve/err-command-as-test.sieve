# error: err-command-as-test.sieve:2:4: "keep" is a command, not a test (a missing ';' or '{' before it?)
if keep { discard; }
