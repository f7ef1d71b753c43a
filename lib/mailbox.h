/*
 * mailbox.h - reading messages from what users point the CLI at: a
 * message file, an mbox, a Maildir (cur/ and new/), a plain directory of
 * message files, or standard input ("-").
 *
 * Each message is handed to a callback with a name ("path", or
 * "path#N" for the Nth message of an mbox) and its bytes. At most
 * max_size + 1 bytes of one message are kept (the parser flags the
 * truncation), so memory stays bounded on any input.
 */
#ifndef MAILBOX_H
#define MAILBOX_H

#include <stddef.h>

/* Return non-zero from the callback to stop early (that value is
   returned by mailbox_read). */
typedef int mailbox_cb(void *ctx, const char *name, const char *data, size_t len);

/* Returns 0 when every message was handed over, the callback's value if
   it stopped, or -1 with a malloc'd message in *err_r (unreadable path). */
int mailbox_read(const char *path, size_t max_size, mailbox_cb *cb, void *ctx,
		 char **err_r);

/* Is this buffer an mbox with more than one message? */
int mailbox_is_mbox(const char *data, size_t len);

#endif
