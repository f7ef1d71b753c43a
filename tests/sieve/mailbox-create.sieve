# mailboxes: Junk
# crosscheck: no
# expect: fileinto New/Folder
require ["fileinto", "mailbox"];
fileinto :create "New/Folder";
