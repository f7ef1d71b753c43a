# error: err-number-overflow.sieve:2:15: number too large
if size :over 99999999999999999999 { keep; }
