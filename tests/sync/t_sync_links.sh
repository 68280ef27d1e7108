#!/bin/sh
# Links and rebounds across replicas: the office links two items, marks a
# repeat complaint and reopens a closed item offline; after a sync another
# device of the office and the inspector of the county see the links, the
# repeat count and the item back in progress with the rebound in its
# history; the inspector's own reopen is refused before it is queued.  Runs
# on both stores (DUBAN_STORE=pg too).
. "$(dirname "$0")/lib.sh"

add_user boss office || exit 1
add_user boss2 office || exit 1
add_user li inspector 甲县 || exit 1
seed_server 4 甲县
start_server
# close_on NAME CODE: client NAME takes CODE from where it stands to closed:
# requested, both levels of the default chain signed (the only way to
# verified), closed (no notice, so nothing holds the close).
close_on() {
	[ "$(client "$1" show "$2" --format json | jq -r .item.status)" = not_started ] &&
		client "$1" status "$2" in_progress >/dev/null 2>>"$CLIENT_ERR"
	client "$1" status "$2" requested >/dev/null 2>>"$CLIENT_ERR" &&
		client "$1" accept "$2" --level county --pass --opinion 同意 >/dev/null 2>>"$CLIENT_ERR" &&
		client "$1" accept "$2" --level city --pass --opinion 同意 >/dev/null 2>>"$CLIENT_ERR" &&
		client "$1" status "$2" closed >/dev/null 2>>"$CLIENT_ERR"
}
login_client o boss || exit 1
login_client p boss2 || exit 1
login_client i li || exit 1
for x in o p i; do
	sync_client $x -q
	exit_is 0 "first sync of $x"
done

# ---------------------------------------------------------------- the office, offline
close_on o S-00002
is "$(client o show S-00002 --format json | jq -r .item.status)" closed "S-00002 is closed on the office's device"
crun o link S-00001 S-00003 --why 同一园区
exit_is 0 "the office links S-00001 and S-00003"
crun o link S-00004 S-00001 --why 同一企业又被举报 --repeat
exit_is 4 "a problem cannot be a repeat complaint"
crun o edit S-00004 --set kind=complaint
crun o link S-00004 S-00001 --why 同一企业又被举报 --repeat
exit_is 0 "a complaint can: S-00004 is marked a repeat of S-00001"
crun o reopen S-00002 --reason 整改后又冒黑烟
exit_is 0 "and reopens S-00002"
crun o edit S-00004 --set transferred_on=2026-06-01 --set 反馈日期=2026-06-09
exit_is 0 "and sets S-00004's transfer and feedback dates"
sync_until o 5
ok $? "the office syncs"
is "$(client o outbox 2>/dev/null | grep -c refused)" 0 "nothing refused"
is "$(sql_server "SELECT count(*) FROM link")" 2 "the server holds both links"

# ---------------------------------------------------------------- the other devices
for x in p i; do
	sync_until $x 5
	ok $? "$x syncs"
	crun $x show S-00001 --format json
	is "$(printf '%s' "$out" | jq -r '[.links[] | .code + ":" + .kind] | sort | join(",")')" \
		"S-00003:link,S-00004:repeat" "$x sees both links of S-00001"
	is "$(printf '%s' "$out" | jq -r .repeats)" 1 "$x counts one repeat of S-00001"
	is "$(client $x show S-00004 --format json | jq -r .item.duplicate_of)" S-00001 "$x has S-00004's duplicate_of"
	is "$(client $x show S-00004 --format json | jq -r '.item.transferred_on + " " + .item.feedback_on')" \
		"2026-06-01 2026-06-09" "$x has S-00004's transfer and feedback dates"
	is "$(client $x show S-00002 --format json | jq -r .item.status)" in_progress "$x has S-00002 in progress again"
	is "$(sql_client $x "SELECT old_value || '>' || new_value || '|' || reason FROM event WHERE field = 'status' AND old_value = 'closed'")" \
		"closed>in_progress|整改后又冒黑烟" "$x has the rebound in the history"
done
crun p unlink S-00003 S-00001 --why 核实后不是同一园区
exit_is 0 "the second office device unlinks S-00003 from S-00001"
sync_until p 5
ok $? "p syncs"
sync_until i 5
ok $? "i syncs"
is "$(client i show S-00001 --format json | jq -r '[.links[] | .code] | join(",")')" S-00004 \
	"the unlink reached the inspector"

# ---------------------------------------------------------------- the inspector
close_on o S-00002
sync_until o 5
ok $? "the office closes S-00002 again and syncs"
sync_until i 5
ok $? "i syncs"
crun i reopen S-00002 --reason 我觉得又反弹了
exit_is 4 "the inspector may not reopen"
like "$err" "only the office" "... and is told so"
is "$(status_of i queued)" 0 "nothing was queued"
same_as_server o "the office after the links and the rebound"
done_testing
