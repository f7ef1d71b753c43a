# message: plain.eml
# expect: redirect is0@example.net
require ["spamtest", "relational", "comparator-i;ascii-numeric"];
if spamtest :is "0" { redirect "is0@example.net"; }
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { redirect "ge6@example.net"; }
