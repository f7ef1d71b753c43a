# message: mime.eml
# expect: discard
if header :contains "Subject" "Grüße aus Köln" { discard; }
