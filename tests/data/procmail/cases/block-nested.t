# Blocks nest; conditions on the block decide whether it runs.
--- rc
:0
* ^From:.*alice
{
  :0
  * ^Subject: Nope
  { 
    :0
    nope/
  }
  :0
  * ^Subject: Hello
  {
    :0
    * ^To:.*bob
    nested/
  }
}
--- trace
maildir $T/nested
