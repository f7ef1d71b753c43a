/*
 * null-milter: the least work a libmilter content filter can do, as the
 * floor for bench-postfix.py --null. It asks Postfix for the same steps
 * and the same "no reply" options as filterd on a unix socket, reads
 * nothing, and at end of message adds two headers the size of filterd's
 * X-Spam-Flag and X-Spam-Status. What Postfix + null-milter loses
 * against Postfix alone is the cost of the milter protocol itself (the
 * MTA's milter client and libmilter), which no scanner can go below.
 *
 * Build: cc -O2 -o null-milter bench/null-milter.c -lmilter -pthread
 * Run:   null-milter unix:/path/to/socket
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

#define NULL_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)
#define NULL_NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
		       SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_BODY)

static int null_noreply;

static sfsistat null_step(SMFICTX *smf)
{
	(void)smf;
	return null_noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat null_connect(SMFICTX *smf, char *host, struct sockaddr *sa)
{
	(void)host;
	(void)sa;
	return null_step(smf);
}

static sfsistat null_args(SMFICTX *smf, char **argv)
{
	(void)argv;
	return null_step(smf);
}

static sfsistat null_helo(SMFICTX *smf, char *helo)
{
	(void)helo;
	return null_step(smf);
}

static sfsistat null_header(SMFICTX *smf, char *name, char *value)
{
	(void)name;
	(void)value;
	return null_step(smf);
}

static sfsistat null_body(SMFICTX *smf, unsigned char *data, size_t len)
{
	(void)data;
	(void)len;
	return null_step(smf);
}

static sfsistat null_eoh(SMFICTX *smf)
{
	(void)smf;
	return SMFIS_CONTINUE;
}

static sfsistat null_eom(SMFICTX *smf)
{
	smfi_addheader(smf, "X-Null-Flag", "NO");
	smfi_addheader(smf, "X-Null-Status",
		       "No, score=0.0 required=5.0 tests=NONE autolearn=no version=0");
	return SMFIS_ACCEPT;
}

static sfsistat null_negotiate(SMFICTX *smf, unsigned long f0, unsigned long f1,
			       unsigned long f2, unsigned long f3, unsigned long *pf0,
			       unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)smf;
	(void)f2;
	(void)f3;
	*pf0 = f0 & NULL_ACTIONS;
	*pf1 = (null_noreply ? NULL_NR_STEPS : 0) | (f1 & SMFIP_NOUNKNOWN);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc null_desc = {
	.xxfi_name = "null-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = NULL_ACTIONS,
	.xxfi_connect = null_connect,
	.xxfi_helo = null_helo,
	.xxfi_envfrom = null_args,
	.xxfi_envrcpt = null_args,
	.xxfi_header = null_header,
	.xxfi_eoh = null_eoh,
	.xxfi_body = null_body,
	.xxfi_eom = null_eom,
	.xxfi_data = null_step,
	.xxfi_negotiate = null_negotiate,
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: null-milter unix:/path | inet:port@host\n");
		return 64;
	}
	null_noreply = strncmp(argv[1], "unix:", 5) == 0;
	if (smfi_register(null_desc) != MI_SUCCESS || smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot listen on %s\n", argv[1]);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
