# message: refs.eml
# expect: vacation to alice@example.com
# expect: keep
# sent: References: <refs.0@example.com> <refs.1@example.com> <refs.2@example.com>
# sent: In-Reply-To: <refs.2@example.com>
require "vacation";
vacation "away";
