# LOG goes to the trace; LOGFILE and VERBOSE are accepted.
--- rc
LOGFILE=$T/procmail.log
VERBOSE=off
LOG="hello log"
--- trace
log hello log
maildir $T/Maildir (default)
