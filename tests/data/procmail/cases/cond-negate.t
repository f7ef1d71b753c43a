# ! inverts a condition; !! inverts twice.
--- rc
:0
* ! ^Subject: Hello
nothello/
:0
* !! ^Subject: Hello
* ! ^X-Spam
hello/
--- trace
maildir $T/hello
