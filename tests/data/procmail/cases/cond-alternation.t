# Alternation and grouping as egrep has them.
--- rc
:0
* ^(From|Sender):.*(mallory|alice)@example\.(org|net)
alt/
--- trace
maildir $T/alt
