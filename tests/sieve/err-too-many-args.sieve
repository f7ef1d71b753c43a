# error: err-too-many-args.sieve:2:15: exists: too many arguments
if exists "a" "b" { keep; }
