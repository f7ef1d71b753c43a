# error: err-bad-char.sieve:2:7: unexpected character '@'
keep; @
