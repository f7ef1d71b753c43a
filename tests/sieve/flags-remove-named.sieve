# expect: fileinto F (b)
require ["variables", "imap4flags", "fileinto"];
set "f" "a b c";
removeflag "f" ["a", "C"];
fileinto :flags "${f}" "F";
