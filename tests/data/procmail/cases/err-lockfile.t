--- rc
LOCKFILE=$HOME/.lockmail
--- parse-error
$T/test.rc:1: global lockfiles are not supported (Maildir delivery needs no lock)
