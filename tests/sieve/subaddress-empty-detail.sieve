# to: bob+@example.org
# expect: discard
require ["subaddress", "envelope"];
if envelope :detail :is "to" "" { discard; }
