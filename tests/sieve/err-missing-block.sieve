# error: err-missing-block.sieve:2:9: "keep" is a command, not a test (a missing ';' or '{' before it?)
if true keep;
