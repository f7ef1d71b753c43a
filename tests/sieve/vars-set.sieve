# expect: fileinto Lists/dev
require ["variables", "fileinto"];
set "folder" "Lists";
set "sub" "dev";
fileinto "${folder}/${sub}";
