# A folder that fails for good: the recipe failed, processing goes on.
--- rc
:0
fail-perm/
:0 e
after-failure/
--- trace
maildir $T/after-failure
--- error
$T/test.rc:2: $T/fail-perm: injected permanent failure
