# VAR ?? regex matches a variable's value.
--- rc
LIST=winnow-users
:0
* LIST ?? ^winnow-(dev|users)$
lists/
--- trace
maildir $T/lists
