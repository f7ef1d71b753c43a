# \/ puts what the right part matches into MATCH.
--- rc
:0
* ^Subject: \/[a-z]+
{
  LOG="matched $MATCH"
  :0
  * ^From:.*<\/[^@]+
  sender-$MATCH/
}
--- trace
log matched Hello
maildir $T/sender-alice
