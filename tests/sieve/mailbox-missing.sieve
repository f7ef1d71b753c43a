# mailboxes: Junk
# crosscheck: no
# expect: keep
# runtime-error: fileinto Missing: no such mailbox
require "fileinto";
fileinto "Missing";
