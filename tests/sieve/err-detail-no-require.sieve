# error: err-detail-no-require.sieve:2:12: address: :detail needs require "subaddress"
if address :detail "to" "x" { keep; }
