# rules/ eval: functions and relay parsing.
librules_a_SOURCES +=
