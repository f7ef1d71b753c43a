# error: err-envelope-part.sieve:3:4: envelope: unsupported envelope part "auth"
require "envelope";
if envelope :is "auth" "x" { keep; }
