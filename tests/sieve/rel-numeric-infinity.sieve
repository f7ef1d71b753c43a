# expect: discard
require ["relational", "comparator-i;ascii-numeric"];
if header :value "gt" :comparator "i;ascii-numeric" "Subject" "999999" { discard; }
