# message: spam.eml
# expect: redirect p100@example.net
require ["spamtestplus", "relational", "comparator-i;ascii-numeric"];
if spamtest :percent :is "100" { redirect "p100@example.net"; }
