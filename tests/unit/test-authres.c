/*
 * test-authres.c - the Authentication-Results field: what we build, and
 * which incoming fields claim our authserv-id (RFC 8601 examples).
 */
#include "config.h"

#include <string.h>

#include "filterd/authres.h"
#include "tests/unit/test.h"

static void test_build(struct arena *a)
{
	static const struct authres_item items[] = {
		{ "spf", "pass", NULL, "smtp.mailfrom=a@example.com" },
		{ "dkim", "fail", "bad \"body\" hash\x01", "header.d=example.com header.s=sel" },
		{ "dmarc", "none", "", NULL },
	};

	test_begin("authres build");
	test_assert_str(authres_build(a, "mx.example.net", NULL, 0), "mx.example.net; none");
	test_assert_str(authres_build(a, "mx.example.net", items, 3),
			"mx.example.net;\n"
			"\tspf=pass smtp.mailfrom=a@example.com;\n"
			"\tdkim=fail reason=\"bad \\\"body\\\" hash\" header.d=example.com header.s=sel;\n"
			"\tdmarc=none");
	test_end();
}

static void test_read(struct arena *a)
{
	test_begin("authres authserv-id");
	test_assert_str(authres_authserv_id(a, "example.com; spf=pass smtp.mailfrom=x@y"),
			"example.com");
	test_assert_str(authres_authserv_id(a, "  (a (nested) comment) mx.example.net 1; none"),
			"mx.example.net");
	test_assert_str(authres_authserv_id(a, "\"mx.example.net\"; none"), "mx.example.net");
	test_assert_str(authres_authserv_id(a, "\r\n\tmx.example.net;\r\n\tdkim=pass"),
			"mx.example.net");
	test_assert(authres_authserv_id(a, "") == NULL);
	test_assert(authres_authserv_id(a, "; spf=pass") == NULL);
	test_assert(authres_authserv_id(a, "(never closed") == NULL);
	test_assert(authres_authserv_id(a, "\"never closed") == NULL);
	test_assert(authres_authserv_id(a, "\"\"; none") == NULL); /* found by fuzz-authres */
	test_end();

	test_begin("authres ours");
	test_assert_int(authres_is_ours(a, "MX.Example.NET; spf=pass", "mx.example.net"), 1);
	test_assert_int(authres_is_ours(a, "mx.example.net.evil; none", "mx.example.net"), 0);
	test_assert_int(authres_is_ours(a, "other.example; none", "mx.example.net"), 0);
	test_assert_int(authres_is_ours(a, "mx.example.net", NULL), 0);
	test_end();
}

static void test_value(struct arena *a)
{
	test_begin("authres value");
	test_assert_str(authres_value(a, "example.com"), "example.com");
	test_assert_str(authres_value(a, "bad body hash"), "\"bad body hash\"");
	test_assert_str(authres_value(a, "a\"b\\c"), "\"a\\\"b\\\\c\"");
	test_assert_str(authres_value(a, "x=y"), "\"x=y\"");
	test_assert_str(authres_value(a, "fold\r\n\there"), "\"foldhere\"");
	test_assert_str(authres_value(a, ""), "\"\"");
	test_end();
}

int main(void)
{
	struct arena *a = arena_new(0);

	test_build(a);
	test_read(a);
	test_value(a);
	arena_free(&a);
	return test_exit();
}
