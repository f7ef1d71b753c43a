# A leading backslash quotes '<' (else a size condition): "\<World" is
# the regex "<World". "()" in front keeps \< a word boundary.
--- rc
:0 c
* \<World
leading/
:0
* ()\<World
boundary/
--- trace
maildir $T/boundary
