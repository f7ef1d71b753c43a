# error: err-stray-brace.sieve:3:1: expected a command, found '}'
keep;
}
