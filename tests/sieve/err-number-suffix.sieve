# error: err-number-suffix.sieve:2:17: unexpected character after number
if size :over 10X { keep; }
