# H and B together search header and body as one text.
--- rc
:0 HB
* ^Subject: Hello(.|$)*^second body
both/
--- trace
maildir $T/both
