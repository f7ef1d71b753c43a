# ^^ anchors at the very start or end of the search area.
--- rc
:0 B
* ^^second
notstart/
:0 B
* ^^Body text
* line$^^
start/
--- trace
maildir $T/start
