# A capture whose command fails still sets the variable.
--- rc
:0
OUT=| echo partial; false
:0
* OUT ?? ^partial$
got/
--- trace
pipe 'echo partial; false' into OUT
maildir $T/got
