# message: list.eml
# expect: fileinto lists/dev-list
require ["variables", "fileinto"];
if header :matches "List-Id" "*<*.lists.example.net>" { fileinto "lists/${2}"; }
