# expect: keep
require ["relational", "comparator-i;ascii-numeric"];
if header :value "ne" :comparator "i;ascii-numeric" "X-Priority" "3" { discard; }
