# A backslash quotes a leading !, so it is matched literally.
--- msg
Subject: !important

x
--- rc
:0
* \!important
bang/
--- trace
maildir $T/bang
