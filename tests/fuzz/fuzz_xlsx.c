/* libFuzzer harness for the .xlsx reader.  Workbooks come by e-mail from
 * other offices, so any content must give a clean error, never a crash.
 * Raw bytes would mostly exercise libzip's checks, so the input is split at
 * "\n--\n" into the parts our XML handlers read (workbook, its rels, sheet,
 * shared strings, styles), stored uncompressed in a real zip.
 *   make fuzz-xlsx FUZZ_SECONDS=60   (needs clang with libFuzzer) */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "duban/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const part_names[] = {
	"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
	"xl/sharedStrings.xml", "xl/styles.xml",
};
enum { NPARTS = sizeof part_names / sizeof part_names[0] };

static bool write_zip(const char *path, const uint8_t *data, size_t size)
{
	int zerr;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!z)
		return false;
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < NPARTS && p <= end; i++) {
		const uint8_t *sep = NULL;
		for (const uint8_t *q = p; q + 4 <= end; q++)
			if (memcmp(q, "\n--\n", 4) == 0) {
				sep = q;
				break;
			}
		size_t len = (size_t)((sep ? sep : end) - p);
		zip_source_t *src = zip_source_buffer(z, p, len, 0);
		if (!src || zip_file_add(z, part_names[i], src, ZIP_FL_OVERWRITE) < 0) {
			zip_source_free(src);
			zip_discard(z);
			return false;
		}
		zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0);
		if (!sep)
			break;
		p = sep + 4;
	}
	return zip_close(z) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/duban-fuzz-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	close(fd);
	if (write_zip(path, data, size)) {
		struct duban_xlsx_sheet sheet;
		char err[256];
		memset(&sheet, 0, sizeof sheet);
		if (duban_xlsx_read(path, NULL, &sheet, err, sizeof err) == DUBAN_OK)
			duban_xlsx_sheet_free(&sheet);
	}
	unlink(path);
	return 0;
}
