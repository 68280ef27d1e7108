#!/bin/sh
# Attacks on the close-out rules (issue 14): duband re-checks what the client
# decides offline.  A sign-off of a level the chain lacks, out of order or by
# a role that may not sign it; verified without the chain's last level; a
# request for acceptance without the evidence the office's policy requires
# (and the office's override, kept in the history).  Each is rejected with a
# machine code; the good path is applied.  The office's policies come from
# `duband policy` and reach every user through pull.  Runs on both stores.
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user li inspector 甲县 || exit 1
add_user wang inspector 乙县 || exit 1

# ---------------------------------------------------------------- duband policy
run "$DUBAND" policy set acceptance 'county:县级初验 city:市级验收@office' --data "$DATA"
exit_is 0 "duband policy set acceptance"
run "$DUBAND" policy set evidence 'problem:after complaint:after,feedback' --data "$DATA"
exit_is 0 "duband policy set evidence"
run "$DUBAND" policy set evidence 'problem:selfie' --data "$DATA"
exit_is 2 "an evidence policy the parser refuses is refused"
like "$err" "selfie" "... naming the bad kind"
run "$DUBAND" policy set acceptance 'county:县 county:县' --data "$DATA"
exit_is 2 "a chain with a repeated level is refused"
run "$DUBAND" policy set color blue --data "$DATA"
exit_is 2 "a key that is not a policy is refused"
run "$DUBAND" policy set notice-days 10 --data "$DATA"
exit_is 0 "duband policy set notice-days"
run "$DUBAND" policy unset notice-days --data "$DATA"
exit_is 0 "duband policy unset"
run "$DUBAND" policy show --data "$DATA"
exit_is 0 "duband policy show"
like "$out" "acceptance   county:县级初验@inspector city:市级验收@office" "show has the chain, written out"
like "$out" "evidence     problem:after complaint:after,feedback" "and the evidence policy"
unlike "$out" "notice-days  10" "and not the key that was unset"

start_server
boss=$(login boss "$PW")
li=$(login li "$PW")
wang=$(login wang "$PW")

# ---------------------------------------------------------------- policies reach everyone
TOKEN=$wang
pull_all
ok $? "wang pulls"
is "$(grep '"type":"policy"' "$tmp/changes" | jq -r 'select(.policy.key == "acceptance") | .policy.value')" \
	"county:县级初验@inspector city:市级验收@office" "an inspector of another county pulls the acceptance policy"
is "$(grep '"type":"policy"' "$tmp/changes" | jq -r 'select(.policy.key == "notice-days") | .policy.value')" \
	null "and the unset key as null"

op_signoff() { # op_signoff ITEM LEVEL true|false
	printf '{"id":"%s","client_seq":%d,"kind":"inspection.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","date":"2026-06-15","level":"%s","inspectors":"","place":"","findings":"验收意见","passed":%s,"created_at":"%s"}}' \
		"$(uuid)" "$(next_seq)" "$1" "$DUBAN_NOW" "$(uuid)" "$1" "$2" "$3" "$DUBAN_NOW"
}
op_attach() { # op_attach ITEM SHA KIND
	printf '{"id":"%s","client_seq":%d,"kind":"attachment.add","item_id":"%s","created_at":"%s","body":{"id":"%s","item_id":"%s","inspection_id":"","sha256":"%s","name":"after.jpg","mime":"image/jpeg","size":5,"kind":"%s","created_at":"%s"}}' \
		"$(uuid)" "$(next_seq)" "$1" "$DUBAN_NOW" "$(uuid)" "$1" "$2" "$3" "$DUBAN_NOW"
}
code_of() { # code_of N: the machine code of result N
	r "$1" .code
}

A=$(uuid)
B=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$A" JA-001 甲县 in_progress)" "$(op_create "$(uuid)" "$B" JA-002 甲县 in_progress)"
result_is 1 applied "the office creates two items in progress"

# ---------------------------------------------------------------- evidence
TOKEN=$li
push "$(op_status "$(uuid)" "$A" in_progress requested)"
result_is 0 rejected:validation "a request without the after photo is rejected"
is "$(code_of 0)" evidence_missing "with code evidence_missing"
is "$(r 0 .missing)" after "naming the missing kind"
push "$(op_status "$(uuid)" "$A" in_progress requested 'requested without its evidence: 照片遗失')"
is "$(code_of 0)" evidence_missing "an inspector's override is no override"
printf 'jpeg\n' >"$tmp/after.jpg"
sha=$(sha256sum "$tmp/after.jpg" | cut -d' ' -f1)
req -X PUT -H "Authorization: Bearer $li" -H 'Content-Type: application/octet-stream' \
	--data-binary @"$tmp/after.jpg" "$URL/api/v1/blobs/$sha"
push "$(op_attach "$A" "$sha" before)" "$(op_status "$(uuid)" "$A" in_progress requested)"
result_is 0 applied "a before photo is attached"
is "$(code_of 1)" evidence_missing "but it is not the after photo the policy requires"
push "$(op_attach "$A" "$sha" after)" "$(op_status "$(uuid)" "$A" in_progress requested)"
result_is 1 applied "with the after photo the request is applied"
TOKEN=$boss
push "$(op_status "$(uuid)" "$B" in_progress requested 'requested without its evidence: 照片遗失，现场已复核')"
result_is 0 applied "the office's override is applied"
pull_all
grep '"type":"event"' "$tmp/changes" | jq -r 'select(.event.item_id == "'"$B"'" and .event.field == "status") | .event.reason' \
	>"$tmp/reasons"
like "$(cat "$tmp/reasons")" "requested without its evidence: 照片遗失，现场已复核" "the override is in the history"

# ---------------------------------------------------------------- the chain
TOKEN=$li
push "$(op_signoff "$B" province true)"
result_is 0 rejected:validation "a sign-off of a level the chain lacks is rejected"
is "$(code_of 0)" level_unknown "with code level_unknown"
push "$(op_signoff "$B" city true)"
result_is 0 rejected:permission "an inspector's sign-off of the office's level is rejected"
is "$(code_of 0)" level_role "with code level_role"
TOKEN=$boss
push "$(op_signoff "$B" city true)"
result_is 0 rejected:transition "the city level before the county level is rejected"
is "$(code_of 0)" level_order "with code level_order"
push "$(op_status "$(uuid)" "$B" requested verified)"
result_is 0 rejected:transition "verified with nothing signed is rejected"
is "$(code_of 0)" chain_incomplete "with code chain_incomplete"
TOKEN=$wang
push "$(op_signoff "$B" county true)"
result_is 0 rejected:permission "an inspector of another county may not sign at all"
TOKEN=$li
push "$(op_signoff "$B" county true)"
result_is 0 applied "li signs the county level"
push "$(op_status "$(uuid)" "$B" requested verified)"
is "$(code_of 0)" chain_incomplete "verified after the county level only is rejected"
push "$(op_signoff "$B" county true)"
is "$(code_of 0)" level_order "the county level twice is rejected"
TOKEN=$boss
push "$(op_signoff "$B" city true)" "$(op_status "$(uuid)" "$B" requested verified)"
result_is 0 applied "the office signs the city level"
result_is 1 applied "and the item is verified"
is "$(item_of_now "$B" | jq -r .status)" verified "the server holds it verified"

# ---------------------------------------------------------------- an item's own chain
C=$(uuid)
TOKEN=$boss
push "$(op_create "$(uuid)" "$C" JA-003 甲县 in_progress)"
result_is 0 applied "the office creates a key case"
TOKEN=$li
push "$(op_set "$(uuid)" "$C" acceptance_levels "" "county:县级初验")"
result_is 0 rejected:permission "an inspector may not set an item's chain"
is "$(code_of 0)" levels_office_only "with code levels_office_only"
TOKEN=$boss
push "$(op_set "$(uuid)" "$C" acceptance_levels "" "county:县 county:县")"
result_is 0 rejected:validation "a chain that does not read is rejected"
push "$(op_set "$(uuid)" "$C" acceptance_levels "" "county:县级初验 province:省级验收@office")" \
	"$(op_status "$(uuid)" "$C" in_progress requested 'requested without its evidence: 重点件')"
result_is 0 applied "the office gives the key case provincial acceptance"
result_is 1 applied "and requests it"
TOKEN=$li
push "$(op_signoff "$C" county true)"
result_is 0 applied "li signs the county level of the item's chain"
TOKEN=$boss
push "$(op_signoff "$C" city true)"
is "$(code_of 0)" level_unknown "the policy's city level is not in the item's chain"
push "$(op_status "$(uuid)" "$C" requested verified)"
is "$(code_of 0)" chain_incomplete "verified before the provincial level is rejected"
push "$(op_signoff "$C" province true)" "$(op_status "$(uuid)" "$C" requested verified)"
result_is 0 applied "the office signs the provincial level"
result_is 1 applied "and the key case is verified"

# A fail starts the chain again: the item goes back, and a new request is
# signed from the first level.
TOKEN=$li
push "$(op_signoff "$A" county false)" "$(op_status "$(uuid)" "$A" requested in_progress '整改不到位')"
result_is 0 applied "a failed county level is applied"
result_is 1 applied "and returns the item to work"
push "$(op_status "$(uuid)" "$A" in_progress requested)"
result_is 0 applied "the item is requested again"
TOKEN=$boss
push "$(op_signoff "$A" city true)"
is "$(code_of 0)" level_order "the old chain does not count: the county level is next again"
done_testing
