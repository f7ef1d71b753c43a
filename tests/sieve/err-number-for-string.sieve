# error: err-number-for-string.sieve:2:10: redirect: argument 1 must be a string
redirect 42;
