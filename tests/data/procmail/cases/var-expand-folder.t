# Variables in folder names; ${VAR:-default}.
--- rc
SUB=work
:0 c
${SUB}-mail/
:0
${UNSET:-fallback}/
--- trace
maildir $T/work-mail
maildir $T/fallback
