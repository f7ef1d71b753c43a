# expect: fileinto Done (\Seen \Answered)
require ["fileinto", "imap4flags"];
fileinto :flags "\\Seen \\Answered" "Done";
