# error: err-allof-no-list.sieve:2:4: allof: needs a test list in parentheses
if allof true { keep; }
