# message: score.eml
# crosscheck: no (Winnow-specific: X-Spam-Score read when X-Spam-Status is absent)
# expect: redirect p60@example.net
# expect: redirect s6@example.net
require ["spamtestplus", "relational", "comparator-i;ascii-numeric"];
if spamtest :percent :is "60" { redirect "p60@example.net"; }
if spamtest :is "6" { redirect "s6@example.net"; }
