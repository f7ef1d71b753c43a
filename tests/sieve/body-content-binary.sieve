# message: mime.eml
# expect: discard
require "body";
if body :content "application/pdf" :contains "secret plans" { discard; }
