# MATCH after ^TO_ and after a greedy-looking left part: the left part
# matches as short as possible. A $ on the right matches the newline,
# which MATCH then holds too (as in procmail).
--- rc
:0
* ^TO_\/[a-z]+@example\.(org|net)
* $ MATCH ?? ^bob@
{
  :0
  * ^Subject:.*\/[a-z]+$
  * MATCH ?? ^World$
  * ! MATCH ?? ^World^^
  last-word/
}
--- trace
maildir $T/last-word
