# expect: fileinto INBOX
require "fileinto";
fileinto "INBOX";
keep;
