# expect: discard
# a hash comment
/* a bracketed
   comment over lines */ if /* inline */ true # trailing
{ discard; /* done */ }
