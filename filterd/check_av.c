/*
 * check_av.c - virus scanning in process with libclamav.
 *
 * Why the raw message as one memory map: the caller already holds the
 * whole message in memory, and libclamav's mail parser (CL_SCAN_PARSE_MAIL)
 * does the MIME work itself: it decodes every part, recurses into
 * archives and message/rfc822 attachments, and applies the engine's
 * limits to all of it. cl_fmap_open_memory() + cl_scanmap_callback()
 * scans the bytes where they are; a memfd with cl_scandesc() would copy
 * the message into the kernel and cost a file descriptor and two
 * syscalls per message for the same result. (Decoded parts may still go
 * to temporary files in $TMPDIR: that is libclamav's choice either way.)
 *
 * Errors are never clean. A limit that stops the scan short is reported
 * by libclamav as the "virus" Heuristics.Limits.Exceeded.* because we set
 * CL_SCAN_HEURISTIC_EXCEEDS_MAX (without it libclamav would skip the
 * oversized part and say clean); we turn that into CHK_AV_ERROR. Any
 * other libclamav error code is CHK_AV_ERROR too. Two limits libclamav
 * does not report: the top-level object is scanned whatever its size
 * (clamscan checks that itself), so we check the message against
 * av_max_filesize first; and an archive member larger than
 * av_max_filesize is silently cut to that size and scanned in part
 * ("trimming output size to maxfilesize"), which is how a zip bomb
 * would come out clean. The file inspection callback sees every inner
 * object's size: one that reached av_max_filesize was (almost surely)
 * cut, and a scan that finds nothing else then gives CHK_AV_ERROR.
 *
 * Ownership: an engine is reference counted (see check_av.h). The
 * libclamav library itself is initialised once per process (cl_init)
 * and its messages go to lib/log.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <clamav.h>

#include "filterd/check_av.h"

#include "lib/buf.h"
#include "lib/cfg.h"
#include "lib/log.h"
#include "lib/wn.h"

struct chk_av {
	atomic_uint refs;
	struct cl_engine *cl;
	unsigned int sigs;
	unsigned int load_ms;
	size_t max_filesize;
};

/* One scan's notes, passed to libclamav's callbacks as context. */
struct av_scan_state {
	size_t max_filesize;
	int trimmed; /* an inner object reached max_filesize */
};

#define AV_LIMIT_PREFIX "Heuristics.Limits.Exceeded"

/* ---- the library, once per process ---- */

static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static cl_error_t av_init_ret;

/* libclamav's warnings and errors into our log; its info chatter only
   when debugging the "av" module. */
static void av_log_msg(enum cl_msg severity, const char *fullmsg, const char *msg,
		       void *context)
{
	(void)fullmsg, (void)context;
	if (severity == CL_MSG_ERROR)
		log_err("clamav: %s", msg);
	else if (severity == CL_MSG_WARN)
		log_warn("clamav: %s", msg);
	else
		log_debug("av", "clamav: %s", msg);
}

static void av_init_once(void)
{
	cl_set_clcb_msg(av_log_msg);
	av_init_ret = cl_init(CL_INIT_DEFAULT);
}

static unsigned int av_ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (unsigned int)((t1.tv_sec - t0->tv_sec) * 1000 +
			      (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* ---- configuration and loading ---- */

void chk_av_conf_from_cfg(struct chk_av_conf *conf, const struct cfg *c)
{
	conf->db_dir = cfg_str(c, "clamav_db");
	conf->max_filesize = cfg_size(c, "av_max_filesize");
	conf->max_scansize = cfg_size(c, "av_max_scansize");
	conf->max_recursion = cfg_uint(c, "av_max_recursion");
	conf->max_files = cfg_uint(c, "av_max_files");
	conf->max_scantime_ms = cfg_uint(c, "av_max_scantime");
}

/* libclamav takes long long; a size beyond that means "no limit" to us
   and its maximum to libclamav. */
static long long av_num(size_t v)
{
	return v > (size_t)LLONG_MAX ? LLONG_MAX : (long long)v;
}

static int av_set_limits(struct cl_engine *cl, const struct chk_av_conf *conf, char **err_r)
{
	static const char *const names[] = { "av_max_filesize", "av_max_scansize",
					     "av_max_recursion", "av_max_files",
					     "av_max_scantime" };
	const enum cl_engine_field fields[] = { CL_ENGINE_MAX_FILESIZE, CL_ENGINE_MAX_SCANSIZE,
						CL_ENGINE_MAX_RECURSION, CL_ENGINE_MAX_FILES,
						CL_ENGINE_MAX_SCANTIME };
	const long long values[] = { av_num(conf->max_filesize), av_num(conf->max_scansize),
				     conf->max_recursion, conf->max_files,
				     conf->max_scantime_ms };
	size_t i;

	for (i = 0; i < N_ELEMENTS(fields); i++) {
		cl_error_t r = cl_engine_set_num(cl, fields[i], values[i]);

		if (r != CL_SUCCESS) {
			*err_r = buf_strdup_printf("%s = %lld: libclamav: %s", names[i],
						   values[i], cl_strerror(r));
			return -1;
		}
	}
	return 0;
}

/* A missing or unreadable directory is named as such: cl_load() would
   only say "Can't open file or directory". */
static int av_check_dir(const char *dir, char **err_r)
{
	struct stat st;

	if (dir == NULL || *dir == '\0') {
		*err_r = xstrdup("clamav_db is empty: no signature directory");
		return -1;
	}
	if (stat(dir, &st) < 0) {
		*err_r = buf_strdup_printf("clamav_db %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*err_r = buf_strdup_printf("clamav_db %s: not a directory", dir);
		return -1;
	}
	return 0;
}

/* Called by libclamav for every object it is about to scan, the message
   itself (level 0) and everything taken out of it. */
static cl_error_t av_inspect(int fd, const char *type, const char **ancestors,
			     size_t parent_file_size, const char *file_name, size_t file_size,
			     const char *file_buffer, uint32_t recursion_level,
			     uint32_t layer_attributes, void *context)
{
	struct av_scan_state *st = context;

	(void)fd, (void)type, (void)ancestors, (void)parent_file_size, (void)file_name;
	(void)file_buffer, (void)layer_attributes;
	if (st != NULL && recursion_level > 0 && st->max_filesize > 0 &&
	    file_size >= st->max_filesize)
		st->trimmed = 1;
	return CL_CLEAN;
}

static int av_load_db(struct chk_av *e, const char *dir, char **err_r)
{
	cl_error_t r;

	r = cl_load(dir, e->cl, &e->sigs, CL_DB_STDOPT);
	if (r == CL_EOPEN && e->sigs == 0) {
		/* what an empty directory gives too */
		*err_r = buf_strdup_printf("clamav_db %s: no signature database found "
					   "(libclamav: %s)", dir, cl_strerror(r));
		return -1;
	}
	if (r != CL_SUCCESS) {
		*err_r = buf_strdup_printf("clamav_db %s: libclamav: %s", dir, cl_strerror(r));
		return -1;
	}
	if (e->sigs == 0) {
		*err_r = buf_strdup_printf("clamav_db %s: no signatures loaded", dir);
		return -1;
	}
	r = cl_engine_compile(e->cl);
	if (r != CL_SUCCESS) {
		*err_r = buf_strdup_printf("clamav_db %s: compiling: libclamav: %s", dir,
					   cl_strerror(r));
		return -1;
	}
	return 0;
}

struct chk_av *chk_av_load(const struct chk_av_conf *conf, char **err_r)
{
	struct timespec t0;
	struct chk_av *e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_once(&av_once, av_init_once);
	if (av_init_ret != CL_SUCCESS) {
		*err_r = buf_strdup_printf("libclamav: cl_init: %s", cl_strerror(av_init_ret));
		return NULL;
	}
	if (av_check_dir(conf->db_dir, err_r) < 0)
		return NULL;
	e = xmalloc(sizeof(*e));
	memset(e, 0, sizeof(*e));
	atomic_init(&e->refs, 1);
	if ((e->cl = cl_engine_new()) == NULL) {
		free(e);
		*err_r = xstrdup("libclamav: cl_engine_new failed");
		return NULL;
	}
	e->max_filesize = conf->max_filesize;
	cl_engine_set_clcb_file_inspection(e->cl, av_inspect);
	if (av_set_limits(e->cl, conf, err_r) < 0 || av_load_db(e, conf->db_dir, err_r) < 0) {
		cl_engine_free(e->cl);
		free(e);
		return NULL;
	}
	e->load_ms = av_ms_since(&t0);
	return e;
}

struct chk_av *chk_av_ref(struct chk_av *e)
{
	atomic_fetch_add(&e->refs, 1);
	return e;
}

void chk_av_unref(struct chk_av **ep)
{
	struct chk_av *e = *ep;

	if (e == NULL)
		return;
	*ep = NULL;
	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	cl_engine_free(e->cl);
	free(e);
}

unsigned int chk_av_signatures(const struct chk_av *e)
{
	return e->sigs;
}

unsigned int chk_av_load_ms(const struct chk_av *e)
{
	return e->load_ms;
}

/* ---- scanning ---- */

static void av_set_error(struct chk_av_result *res, enum chk_av_error err, const char *reason)
{
	res->status = CHK_AV_ERROR;
	res->error = err;
	snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

/* A "virus" name: a real one, or a limit stopping the scan short. */
static void av_set_found(struct chk_av_result *res, const char *virname)
{
	char reason[sizeof(res->reason)];

	if (virname == NULL)
		virname = "(unnamed)";
	if (strncmp(virname, AV_LIMIT_PREFIX, strlen(AV_LIMIT_PREFIX)) == 0) {
		snprintf(reason, sizeof(reason), "limits exceeded: %s", virname);
		av_set_error(res, CHK_AV_ERR_LIMITS, reason);
		return;
	}
	res->status = CHK_AV_VIRUS;
	snprintf(res->name, sizeof(res->name), "%s", virname);
}

static void av_set_outcome(struct chk_av_result *res, cl_error_t r, const char *virname,
			   unsigned int max_scantime_ms)
{
	char reason[sizeof(res->reason)];

	switch (r) {
	case CL_CLEAN:
		res->status = CHK_AV_CLEAN;
		break;
	case CL_VIRUS:
		av_set_found(res, virname);
		break;
	case CL_ETIMEOUT:
		snprintf(reason, sizeof(reason), "scan time over %u ms", max_scantime_ms);
		av_set_error(res, CHK_AV_ERR_TIMEOUT, reason);
		break;
	case CL_EMAXREC:
	case CL_EMAXSIZE:
	case CL_EMAXFILES:
		snprintf(reason, sizeof(reason), "limits exceeded: %s", cl_strerror(r));
		av_set_error(res, CHK_AV_ERR_LIMITS, reason);
		break;
	default:
		snprintf(reason, sizeof(reason), "libclamav: %s", cl_strerror(r));
		av_set_error(res, CHK_AV_ERR_ENGINE, reason);
		break;
	}
}

static unsigned int av_engine_scantime(const struct chk_av *e)
{
	int err = 0;
	long long v = cl_engine_get_num(e->cl, CL_ENGINE_MAX_SCANTIME, &err);

	return err == 0 && v >= 0 ? (unsigned int)v : 0;
}

enum chk_av_status chk_av_scan(const struct chk_av *e, const void *raw, size_t len,
			       struct chk_av_result *res)
{
	struct cl_scan_options opt;
	struct av_scan_state st = { e->max_filesize, 0 };
	struct timespec t0;
	const char *virname = NULL;
	unsigned long scanned = 0;
	cl_fmap_t *map;
	cl_error_t r;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (len == 0) {
		res->status = CHK_AV_CLEAN; /* nothing to carry a virus */
		return res->status;
	}
	if (e->max_filesize > 0 && len > e->max_filesize) {
		av_set_error(res, CHK_AV_ERR_LIMITS,
			     "limits exceeded: message over av_max_filesize");
		return res->status;
	}
	if ((map = cl_fmap_open_memory(raw, len)) == NULL) {
		av_set_error(res, CHK_AV_ERR_ENGINE, "libclamav: cannot map the message");
		return res->status;
	}
	memset(&opt, 0, sizeof(opt));
	opt.parse = ~0u; /* every format, mail included */
	opt.general = CL_SCAN_GENERAL_HEURISTICS;
	opt.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	r = cl_scanmap_callback(map, NULL, &virname, &scanned, e->cl, &opt, &st);
	cl_fmap_close(map);
	av_set_outcome(res, r, virname, av_engine_scantime(e));
	if (res->status == CHK_AV_CLEAN && st.trimmed)
		av_set_error(res, CHK_AV_ERR_LIMITS, "limits exceeded: a decoded part over "
			     "av_max_filesize was scanned in part only");
	res->scanned_bytes = scanned;
	res->elapsed_ms = av_ms_since(&t0);
	return res->status;
}

const char *chk_av_status_name(enum chk_av_status s)
{
	switch (s) {
	case CHK_AV_CLEAN:
		return "clean";
	case CHK_AV_VIRUS:
		return "virus";
	case CHK_AV_ERROR:
		return "error";
	}
	return "error";
}

/* ---- the slot scan threads take the current engine from ---- */

void chk_av_slot_init(struct chk_av_slot *s, struct chk_av *e)
{
	pthread_mutex_init(&s->lock, NULL);
	s->cur = e;
}

struct chk_av *chk_av_slot_get(struct chk_av_slot *s)
{
	struct chk_av *e;

	pthread_mutex_lock(&s->lock);
	e = s->cur != NULL ? chk_av_ref(s->cur) : NULL;
	pthread_mutex_unlock(&s->lock);
	return e;
}

void chk_av_slot_swap(struct chk_av_slot *s, struct chk_av *e)
{
	struct chk_av *old;

	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = e;
	pthread_mutex_unlock(&s->lock);
	/* outside the lock: freeing a real engine takes a while */
	chk_av_unref(&old);
}

void chk_av_slot_free(struct chk_av_slot *s)
{
	chk_av_unref(&s->cur);
	pthread_mutex_destroy(&s->lock);
}
