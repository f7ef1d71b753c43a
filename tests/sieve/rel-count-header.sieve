# expect: redirect one@example.net
require ["relational", "comparator-i;ascii-numeric"];
if header :count "ge" :comparator "i;ascii-numeric" "Received" "2" { discard; }
if header :count "eq" :comparator "i;ascii-numeric" "Received" "1" { redirect "one@example.net"; }
