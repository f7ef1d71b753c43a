# error: err-size-no-tag.sieve:2:9: size: needs :over or :under
if size 100 { keep; }
