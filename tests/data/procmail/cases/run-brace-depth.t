# ${...} nested too deep: a run-time error, mail to DEFAULT.
--- rc
A=${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-${X:-v}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
--- trace
maildir $T/Maildir (default)
--- error
$T/test.rc:1: ${...} nested deeper than 32
