# MATCH from one condition used in the next through $.
--- rc
:0
* ^From:.*<\/[^@]+
* $ ^To:.*${MATCH}
self/
:0
* ^From:.*<\/[^@]+
* $ ^Return-Path:.*${MATCH}
match/
--- trace
maildir $T/match
