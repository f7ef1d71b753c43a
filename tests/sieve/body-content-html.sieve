# message: mime.eml
# expect: discard
require "body";
if body :content "text/html" :contains "<b>Budget</b>" { discard; }
