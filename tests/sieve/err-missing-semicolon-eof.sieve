# error: err-missing-semicolon-eof.sieve:2:5: expected ';', found end of script
keep