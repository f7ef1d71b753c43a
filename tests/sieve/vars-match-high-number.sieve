# expect: fileinto [Hell][]
require ["variables", "fileinto"];
if header :matches "Subject" "*o*" { }
fileinto "[${1}${10}][${11}]";
