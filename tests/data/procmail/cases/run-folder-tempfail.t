# A transient failure ends the run: the MTA retries.
--- rc
:0
fail-temp/
--- trace
--- status
tempfail
--- error
$T/fail-temp: injected transient failure
