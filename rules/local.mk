# rules/: SpamAssassin .cf rule engine.
noinst_LIBRARIES += librules.a
librules_a_SOURCES = rules/rule.h

include rules/eval.mk
