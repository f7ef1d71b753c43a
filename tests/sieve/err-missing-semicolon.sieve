# error: err-missing-semicolon.sieve:3:1: "discard" is a command, not a test (a missing ';' or '{' before it?)
keep
discard;
