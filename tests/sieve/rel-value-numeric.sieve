# expect: redirect gt@example.net
require ["relational", "comparator-i;ascii-numeric"];
if header :value "gt" :comparator "i;ascii-numeric" "X-Count" "40" { redirect "gt@example.net"; }
if header :value "lt" :comparator "i;ascii-numeric" "X-Count" "40" { discard; }
