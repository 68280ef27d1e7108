#!/bin/sh
# duband blobs: HEAD, PUT (idempotent, hash checked, size limit), GET, and
# who may upload or fetch.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1
add_user vw viewer || exit 1
start_server --max-blob 65536
boss=$(login boss "$PW")
li=$(login li "$PW")
wang=$(login wang "$PW")
vw=$(login vw "$PW")

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# A photo-sized file with every byte value.
head -c 40000 /dev/urandom >"$tmp/photo.jpg"
printf '\000\001\377\r\n' >>"$tmp/photo.jpg"
h=$(sha "$tmp/photo.jpg")

put() { # put FILE SHA [TOKEN]
	req -X PUT -H "Authorization: Bearer ${3:-$TOKEN}" -H 'Content-Type: application/octet-stream' \
		--data-binary @"$1" "$URL/api/v1/blobs/$2"
}

TOKEN=$li
api HEAD "blobs/$h"
code_is 404 "HEAD of an unknown blob is 404"
put "$tmp/photo.jpg" "$h"
code_is 201 "PUT with the right hash is 201"
put "$tmp/photo.jpg" "$h"
code_is 200 "the same PUT again is 200"
api HEAD "blobs/$h"
code_is 200 "HEAD of the stored blob is 200"
is "$(header Content-Length)" "$(wc -c <"$tmp/photo.jpg" | tr -d ' ')" "HEAD gives its Content-Length"
api GET "blobs/$h"
code_is 200 "GET of the stored blob is 200"
cmp -s "$tmp/.body" "$tmp/photo.jpg"
ok $? "GET returns the identical bytes (by the uploader)"
TOKEN=$boss
api GET "blobs/$h"
cmp -s "$tmp/.body" "$tmp/photo.jpg"
ok $? "an office user fetches any blob"
TOKEN=$wang
api GET "blobs/$h"
code_is 404 not_found "an inspector of another county cannot fetch a blob not attached to their items (404)"
TOKEN=$li

# a blob attached to an item: readable by the inspectors of its county
JA=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$JA" BL-001 甲县)"
head -c 3000 /dev/urandom >"$tmp/scan.pdf"
hs=$(sha "$tmp/scan.pdf")
put "$tmp/scan.pdf" "$hs" "$boss"
code_is 201 "the office uploads a scan"
push '{"id":"'"$(uuid)"'","client_seq":500,"kind":"attachment.add","item_id":"'"$JA"'","body":{"id":"'"$(uuid)"'","item_id":"'"$JA"'","inspection_id":"","sha256":"'"$hs"'","name":"验收材料.pdf","mime":"application/pdf","size":3000,"created_at":"2026-06-15T08:00:00Z"}}'
result_is 0 applied "attachment.add on a 甲县 item"
TOKEN=$li
api GET "blobs/$hs"
code_is 200 "the 甲县 inspector fetches a blob attached to a 甲县 item"
cmp -s "$tmp/.body" "$tmp/scan.pdf"
ok $? "... the identical bytes"
TOKEN=$wang
api GET "blobs/$hs"
code_is 404 not_found "the 乙县 inspector may not fetch it (404, as if it were not there)"
api GET "blobs/$(printf '%064d' 0)"
code_is 404 not_found "GET of an unknown blob is 404"
TOKEN=$li

# wrong hash: refused, nothing kept
head -c 1000 /dev/urandom >"$tmp/other.bin"
wrong=$(printf 'not the content' | sha256sum | cut -d' ' -f1)
put "$tmp/other.bin" "$wrong"
code_is 400 hash_mismatch "PUT whose bytes do not hash to the name is 400 hash_mismatch"
api HEAD "blobs/$wrong"
code_is 404 "... and HEAD of that name is still 404"
api HEAD "blobs/$(sha "$tmp/other.bin")"
code_is 404 "... nor was it kept under its real hash"

# bad names
for bad in abc "$(printf '%s' "$h" | tr 'a-f' 'A-F')" "${h}00" "$(printf '%s' "$h" | cut -c2-)g" '..%2F..%2Fledger.db'; do
	api GET "blobs/$bad"
	code_is 400 bad_request "GET blobs/$(printf '%s' "$bad" | cut -c1-20)… is 400 bad_request"
done
put "$tmp/other.bin" "XYZ"
code_is 400 bad_request "PUT with a bad name is 400"

# too large
head -c 70000 /dev/urandom >"$tmp/big.bin"
put "$tmp/big.bin" "$(sha "$tmp/big.bin")"
code_is 413 too_large "a blob over --max-blob is 413 too_large"
api HEAD "blobs/$(sha "$tmp/big.bin")"
code_is 404 "... and it was not kept"
head -c 65536 /dev/urandom >"$tmp/max.bin"
put "$tmp/max.bin" "$(sha "$tmp/max.bin")"
code_is 201 "a blob of exactly --max-blob bytes is stored"
put "$tmp/big.bin" "$(sha "$tmp/big.bin")" "$boss"
code_is 413 too_large "an office user is held to --max-blob too"

# viewers may not upload
head -c 500 /dev/urandom >"$tmp/v.bin"
put "$tmp/v.bin" "$(sha "$tmp/v.bin")" "$vw"
code_is 403 forbidden "a viewer's PUT is 403 forbidden"
TOKEN=$li
api HEAD "blobs/$(sha "$tmp/v.bin")"
code_is 404 "... and nothing was kept"

# no token
TOKEN=
api HEAD "blobs/$h"
code_is 401 "HEAD without a token is 401"
put "$tmp/v.bin" "$(sha "$tmp/v.bin")" ""
code_is 401 unauthorized "PUT without a valid token is 401"

# an empty blob
: >"$tmp/empty"
put "$tmp/empty" "$(sha "$tmp/empty")" "$li"
code_is 201 "an empty blob is stored"
TOKEN=$li
api GET "blobs/$(sha "$tmp/empty")"
is "$code $(wc -c <"$tmp/.body" | tr -d ' ')" "200 0" "... and fetched back empty"

# the blob survives a restart
restart_server
TOKEN=$li
api GET "blobs/$h"
cmp -s "$tmp/.body" "$tmp/photo.jpg"
ok $? "the blob is there after a restart"
ls "$DATA/blobs" >/dev/null 2>&1
ok $? "blobs live under DATA/blobs"
done_testing
