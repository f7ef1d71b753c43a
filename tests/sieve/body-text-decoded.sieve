# message: mime.eml
# expect: discard
require "body";
if body :text :contains "Budget für" { discard; }
