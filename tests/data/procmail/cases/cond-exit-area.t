# A ? command gets the search area (H by default, B), not what h/b pick.
--- rc
:0 hc
* ? grep -q Body
h-sees-body/
:0 bc
* ? grep -q Subject
b-sees-header/
:0 Bc
* ? grep -q Subject
B-sees-header/
:0 HBc
* ? grep -q Body
HB-sees-body/
--- trace
maildir $T/b-sees-header
maildir $T/HB-sees-body
maildir $T/Maildir (default)
