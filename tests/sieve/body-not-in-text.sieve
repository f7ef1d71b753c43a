# message: mime.eml
# expect: keep
require "body";
if body :text :contains "secret plans" { discard; }
