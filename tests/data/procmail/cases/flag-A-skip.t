# A is skipped when the last recipe without A did not match.
--- rc
:0 c
* ^From:.*mallory
mallory/
:0 A
mallory2/
:0
rest/
--- trace
maildir $T/rest
