# error: err-tag-after-positional.sieve:2:21: header: tagged argument ":contains" after positional arguments
if header "Subject" :contains "x" { keep; }
