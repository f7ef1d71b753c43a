# A failing filter with w leaves the message unchanged.
--- rc
:0 fw
| echo garbage; exit 1
:0
* ^Subject: Hello
unchanged/
--- trace
filter 'echo garbage; exit 1'
maildir $T/unchanged
