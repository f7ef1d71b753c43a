# message: mime.eml
# expect: discard
require "body";
if body :content "text" :contains "nächstes" { discard; }
