# Assignments: blanks around =, quotes, ${...} forms, unset, several on a line.
--- rc
A = "two  words"
Q='$A'
C=${A}-${NONE:-dflt}-${A:+set}-${NONE+x}
D=x E=y
D
:0
* A ?? ^two  words$
* Q ?? ^.A$
* C ?? ^two  words-dflt-set-$
* ! D ?? .
* E ?? ^y$
vars/
--- trace
maildir $T/vars
