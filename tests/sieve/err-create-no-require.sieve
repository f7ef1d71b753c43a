# error: err-create-no-require.sieve:3:10: fileinto: :create needs require "mailbox"
require "fileinto";
fileinto :create "A";
