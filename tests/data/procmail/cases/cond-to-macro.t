# ^TO_ finds an address in To/Cc; a longer name does not match it.
--- rc
:0
* ^TO_ob@example\.org
wrong/
:0 c
* ^TO_carol@example\.net
carol/
:0
* ^TObob
bob/
--- trace
maildir $T/carol
maildir $T/bob
