# message: ham.eml
# expect: redirect is5@example.net
require ["spamtest", "relational", "comparator-i;ascii-numeric"];
if spamtest :is "5" { redirect "is5@example.net"; }
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { redirect "ge6@example.net"; }
