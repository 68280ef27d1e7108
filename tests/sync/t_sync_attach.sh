#!/bin/sh
# Attachments end to end: a photo attached offline is uploaded on sync (once,
# HEAD first), its record reaches a second client, which fetches the bytes on
# demand and gets them identical; a file over the server's size limit becomes
# a refused change with the server's reason and does not stop the rest.
. "$(dirname "$0")/lib.sh"

add_user office1 office || exit 1
add_user office2 office || exit 1
seed_server 5
start_server --max-blob 200000

login_client a office1 || exit 1
login_client b office2 || exit 1
TOKEN=$(login office1 "$PW")
sync_client a
exit_is 0 "a pulls the ledger"
sync_client b
exit_is 0 "b pulls the ledger"

# A "photo": 150 KB of reproducible bytes.
head -c 150000 /dev/urandom >"$tmp/photo.jpg"
sha=$(sha256sum "$tmp/photo.jpg" | cut -d' ' -f1)
crun a attach S-00002 "$tmp/photo.jpg"
exit_is 0 "attach a photo offline"
like "$out" "$sha" "attach prints the file's SHA-256"
like "$out" "image/jpeg" "... and its type from the extension"
is "$(status_of a queued)" 1 "the attachment is queued"

api HEAD "blobs/$sha"
code_is 404 "the server does not have the photo before the sync"
sync_client a
exit_is 0 "a syncs the attachment"
like "$out" "uploaded 1 file" "the summary counts the uploaded file"
api HEAD "blobs/$sha"
code_is 200 "the server has the photo after the sync"
is "$(header Content-Length)" 150000 "... all 150000 bytes"
is "$(status_of a queued)" 0 "nothing left queued"
puts=$(grep -c "method=PUT path=/api/v1/blobs/$sha status=201" "$tmp/access.log")
is "$puts" 1 "the photo was uploaded once"

# A second sync sends nothing again.
sync_client a
exit_is 0 "a syncs again"
puts=$(grep -c "method=PUT path=/api/v1/blobs/$sha" "$tmp/access.log")
is "$puts" 1 "... and uploads nothing more"

# b gets the record, then the bytes on demand.
sync_client b
exit_is 0 "b pulls the attachment record"
is "$(sql_client b "SELECT count(*) FROM attachment WHERE sha256 = '$sha'")" 1 "b has the attachment record"
crun b fetch-attachment "$sha" -o "$tmp/fetched.jpg"
exit_is 0 "b fetches the photo"
cmp -s "$tmp/photo.jpg" "$tmp/fetched.jpg"
ok $? "the fetched photo is byte-identical"
# -o as every -o (issue 12 #12): a symbolic link is written through, not replaced.
mkdir -p "$tmp/photos"
echo old >"$tmp/photos/real.jpg"
ln -s "$tmp/photos/real.jpg" "$tmp/link.jpg"
crun b fetch-attachment "$sha" -o "$tmp/link.jpg"
exit_is 0 "fetch-attachment -o SYMLINK"
[ -L "$tmp/link.jpg" ] && cmp -s "$tmp/photo.jpg" "$tmp/photos/real.jpg"
ok $? "... the link stays and the file it names gets the photo"
bpath=$tmp/c/b/data/duban/blobs/$(printf %s "$sha" | cut -c1-2)/$sha
[ -f "$bpath" ]
ok $? "... and kept in b's blob store"
crun b fetch-attachment 0000000000000000000000000000000000000000000000000000000000000000
[ "$rc" != 0 ]
ok $? "fetching an unknown attachment fails"
[ -n "$err" ]
ok $? "... with a message"

# Over the server's limit: refused with the reason, the rest still goes.
head -c 300000 /dev/urandom >"$tmp/scan.pdf"
crun a attach S-00003 "$tmp/scan.pdf"
exit_is 0 "attach a 300 KB scan"
crun a note S-00003 '整改报告已上传'
exit_is 0 "and a note"
sync_client a
exit_is 9 "the sync ends with a refused change waiting (exit 9)"
is "$(status_of a rejected)" 1 "one refused change"
crun a conflicts
like "$out" "scan.pdf" "duban conflicts names the refused file"
is "$(sql_server "SELECT count(*) FROM note WHERE text = '整改报告已上传'")" 1 "the note still reached the server"

sync_client b
exit_is 0 "b syncs the note"
same_as_server b "b after the attachments"
done_testing
