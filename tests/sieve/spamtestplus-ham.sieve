# message: ham.eml
# expect: redirect p48@example.net
require ["spamtestplus", "relational", "comparator-i;ascii-numeric"];
if spamtest :percent :is "48" { redirect "p48@example.net"; }
