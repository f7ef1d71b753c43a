# message: mime.eml
# expect: redirect raw@example.net
require "body";
if body :raw :contains "f=C3=BCr" { redirect "raw@example.net"; }
if body :raw :contains "Budget für" { discard; }
