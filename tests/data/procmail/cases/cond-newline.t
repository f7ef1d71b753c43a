# . and [^...] never match a newline.
--- rc
:0
* ^Subject:.*Message-ID
dot/
:0
* ^Subject:[^<]*Message-ID
class/
:0
* ^Subject: Hello World$
end/
--- trace
maildir $T/end
