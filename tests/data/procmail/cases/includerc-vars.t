# An included file's assignments stay; processing returns after it.
--- file vars.rc
LISTDIR=lists
--- rc
INCLUDERC=$T/vars.rc
:0
* ^To:.*bob
$LISTDIR-bob/
--- trace
maildir $T/lists-bob
