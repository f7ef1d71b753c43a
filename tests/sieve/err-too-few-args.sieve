# error: err-too-few-args.sieve:2:4: header: expects 2 positional arguments, found 1
if header :is "Subject" { keep; }
