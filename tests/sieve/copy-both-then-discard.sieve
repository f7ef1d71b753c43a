# expect: fileinto A
# expect: redirect c@example.net
require ["fileinto", "copy"];
fileinto :copy "A";
redirect :copy "c@example.net";
discard;
