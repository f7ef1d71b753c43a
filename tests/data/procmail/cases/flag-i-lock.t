# i is accepted; a local lockfile on a folder recipe is a no-op.
--- file locked/cur/.keep
--- rc
:0 i:
* ^Subject
locked/
--- trace
maildir $T/locked
