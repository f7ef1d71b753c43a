# rules/: SpamAssassin .cf rule engine.
noinst_LIBRARIES += librules.a
librules_a_SOURCES = rules/rule.h rules/rule_int.h \
	rules/parse.c rules/load.c rules/compile.c rules/meta.c rules/run.c rules/prefilter.c rules/evaldata.c

include rules/eval.mk
include rules/test.mk
