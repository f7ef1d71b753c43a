# expect: fileinto HELLO WORLD-Hello world-11-a\*b\?c\\d-aBC
require ["variables", "fileinto"];
set "a" "hello World";
set :upper "b" "${a}";
set :lower :upperfirst "c" "${b}";
set :length "d" "${a}";
set :quotewildcard "e" "a*b?c\\d";
set :lowerfirst "f" "ABC";
fileinto "${b}-${c}-${d}-${e}-${f}";
