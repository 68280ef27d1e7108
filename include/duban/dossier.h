/* The case dossier (一案一档): one item's whole file as an auditor reads it,
 * a printable page (A4, like the bulletin) with every field, the acceptance
 * records, the supervision actions, the timeline of every change and record
 * oldest first, and an index of the evidence with its hashes; or a .zip of
 * that page with the attachment files themselves.  Always in Chinese: it is
 * an official document, whatever the reader's locale. */
#ifndef DUBAN_DOSSIER_H
#define DUBAN_DOSSIER_H

#include <stdio.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/store.h"

/* Where an attachment's contents are when a .zip is written: the path of
 * the local copy (malloc'd), or NULL when it cannot be had (not in the local
 * blob store and not downloadable).  The caller decides how to look. */
typedef char *(*duban_dossier_blob_fn)(const struct duban_attachment *a, void *ctx);

/* Writes the page for item to out, dated today. */
enum duban_err duban_dossier_write_html(FILE *out, duban_store *st, const struct duban_item *item,
					duban_date today);

/* Writes path: a .zip holding "CODE-档案.html" and, under "附件/", every
 * attachment blob finds ("NN-name"), the page's index saying which are in the
 * archive and which are missing.  The archive replaces path only when
 * complete.  Returns DUBAN_ERR_IO with errno set on a write failure; *missing
 * gets the number of attachments left out. */
enum duban_err duban_dossier_write_zip(const char *path, duban_store *st, const struct duban_item *item,
				       duban_date today, duban_dossier_blob_fn blob, void *ctx,
				       int *missing);

/* The file name for an item's dossier: its code with characters that are
 * not safe in a file name replaced by "_", plus "-档案" and ext (".html" or
 * ".zip").  Malloc'd. */
char *duban_dossier_file_name(const struct duban_item *item, const char *ext);

#endif
