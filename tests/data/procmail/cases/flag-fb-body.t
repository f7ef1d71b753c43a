# fb filters the body only.
--- rc
:0 fbw
| tr a-z A-Z
:0 B
* ^BODY TEXT HERE
* H ?? ^Subject: Hello World
upper/
--- trace
filter 'tr a-z A-Z'
maildir $T/upper
