# error: err-size-both.sieve:2:17: size: more than one of :over and :under
if size :over 1 :under 2 { keep; }
