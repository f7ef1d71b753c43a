# error: err-hasflag-var-no-require.sieve:3:4: hasflag: a variable list needs require "variables"
require "imap4flags";
if hasflag "v" "x" { keep; }
