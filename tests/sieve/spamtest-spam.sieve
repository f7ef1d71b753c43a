# message: spam.eml
# expect: redirect is10@example.net
# expect: redirect ge6@example.net
require ["spamtest", "relational", "comparator-i;ascii-numeric"];
if spamtest :is "10" { redirect "is10@example.net"; }
if spamtest :value "ge" :comparator "i;ascii-numeric" "6" { redirect "ge6@example.net"; }
