# ^TO matches a word in the destination headers.
--- rc
:0
* ^TOcarol
carol/
--- trace
maildir $T/carol
