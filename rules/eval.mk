# rules/ eval: functions, the SpamAssassin text views and relay parsing.
librules_a_SOURCES += rules/eval_int.h rules/eval_fns.h \
	rules/text.c rules/relays.c rules/eval.c \
	rules/eval_header.c rules/eval_mime.c rules/eval_html.c rules/eval_body.c \
	rules/eval_relay.c rules/eval_freemail.c rules/eval_wlbl.c rules/eval_image.c \
	rules/eval_wn.c rules/eval_vbounce.c rules/eval_date.c rules/eval_forged.c \
	rules/eval_net.c rules/netlookup.c rules/rbl_ips.c

check_PROGRAMS += tests/unit/test-text tests/unit/test-eval
TESTS += tests/unit/test-text tests/unit/test-eval
tests_unit_test_text_SOURCES = tests/unit/test-text.c tests/unit/test-eval-ctx.c \
	tests/unit/test-eval-ctx.h
tests_unit_test_text_LDADD = $(WN_TEST_LIBS) $(WN_RULES_LIBS)
tests_unit_test_eval_SOURCES = tests/unit/test-eval.c tests/unit/test-eval-ctx.c \
	tests/unit/test-eval-ctx.h
tests_unit_test_eval_LDADD = $(WN_TEST_LIBS) $(WN_RULES_LIBS)
EXTRA_DIST += tests/data/eval
