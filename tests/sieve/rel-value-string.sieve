# expect: discard
require "relational";
if header :value "lt" "Subject" "I" { discard; }
