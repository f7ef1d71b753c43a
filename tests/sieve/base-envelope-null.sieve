# crosscheck: no (sieve-test cannot take the null sender: -f "" is refused)
# from: <>
# expect: discard
require "envelope";
if envelope :is "from" "" { discard; }
