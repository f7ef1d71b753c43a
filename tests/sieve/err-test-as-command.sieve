# error: err-test-as-command.sieve:2:1: "true" is a test, not a command
true;
