# A looks at the last recipe without A on its own nesting level.
--- rc
:0
* ^Subject: Hello
{
  :0 c
  * ^Subject: Nope
  nope/
  :0 Ac
  nope2/
  :0 c
  * ^To:.*bob
  bob/
  :0 A
  bob2/
}
--- trace
maildir $T/bob
maildir $T/bob2
