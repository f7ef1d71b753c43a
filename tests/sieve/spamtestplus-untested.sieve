# message: plain.eml
# expect: redirect p0@example.net
require ["spamtestplus", "relational", "comparator-i;ascii-numeric"];
if spamtest :percent :is "0" { redirect "p0@example.net"; }
