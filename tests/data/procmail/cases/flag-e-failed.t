# e runs only right after a failed action; a only after a successful one.
--- rc
:0 wc
| false
:0 ec
after-failure/
:0 wc
| true
:0 ac
after-ok/
:0 ec
notreached/
:0
end/
--- trace
pipe 'false'
maildir $T/after-failure
pipe 'true'
maildir $T/after-ok
maildir $T/end
