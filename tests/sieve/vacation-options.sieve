# expect: vacation to alice@example.com
# expect: keep
# sent: Subject: Out of office
# sent: Back soon.
require "vacation";
vacation :days 3 :subject "Out of office" :from "bob@example.org" :addresses ["robert@example.org"] :handle "away" "Back soon.";
