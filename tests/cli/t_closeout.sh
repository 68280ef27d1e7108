#!/bin/sh
# Close-out as offices do it: evidence by kind before a request (refused
# with the missing kinds named, the office's override kept in the history),
# the acceptance chain signed in order by the roles allowed, a failed level
# returning the item, the chain from the config, an item's own chain set by
# the office, verified only through the chain, and the dossier stating who
# accepted what.
. "$(dirname "$0")/lib.sh"

# field NAME: a field of ZG-1 from show --format json.
field() {
	d show ZG-1 --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['item']['$1'])"
}
as_inspector() {
	DUBAN_ROLE=inspector "$DUBAN" --db "$DB" "$@"
}

mkdir -p "$HOME/.config/duban"
printf 'set evidence "problem:after complaint:after,feedback"\n' >"$HOME/.config/duban/config"
XDG_CONFIG_HOME=$HOME/.config
export XDG_CONFIG_HOME

d add --code ZG-1 --kind complaint --title '河道采砂扰民' --county 东川县 >/dev/null &&
	d status ZG-1 in_progress >/dev/null
ok $? "a complaint in progress"

# ---------------------------------------------------------------- evidence
run d evidence ZG-1
exit_is 0 "evidence CODE"
printf '%s\n' "$out" | grep -q "^  photo after  *required  — missing$"
ok $? "the after photo is required and missing"
printf '%s\n' "$out" | grep -q "^  feedback to the complainant  *required  — missing$"
ok $? "so is the feedback"
before=$(d export --format json)
run d status ZG-1 requested
exit_is 4 "a request without its evidence is refused"
like "$err" "lacks its evidence: photo after, feedback to the complainant" "naming what is missing"
is "$(d export --format json)" "$before" "nothing changed"

printf 'jpeg\n' >after.jpg
printf '已电话反馈\n' >feedback.txt
run d attach ZG-1 after.jpg --kind after
exit_is 0 "attach --kind after"
like "$out" "evidence: photo after" "the kind is confirmed"
run d attach ZG-1 feedback.txt --kind 照片
exit_is 2 "an unknown kind is refused"
run d status ZG-1 requested
exit_is 4 "still refused with the feedback missing"
like "$err" "lacks its evidence: feedback to the complainant." "only the feedback named now"
d evidence ZG-1 --format json >"$tmp/ev.json"
python3 -c "
import json,sys
e={x['kind']:x for x in json.load(open(sys.argv[1]))['evidence']}
assert e['after']['files']=='after.jpg' and not e['after']['missing']
assert e['feedback']['required'] and e['feedback']['missing']
" "$tmp/ev.json"
ok $? "evidence --format json: after present, feedback missing"

run as_inspector status ZG-1 requested --override-evidence '投诉人已搬离'
exit_is 4 "an inspector may not override"
like "$err" "only the office" "and is told who may"
run d status ZG-1 requested --override-evidence '投诉人已搬离，无法联系'
exit_is 0 "the office overrides with a reason"
run d show ZG-1 --format json
like "$out" "requested without its evidence: 投诉人已搬离，无法联系" "the override is in the history"

# A fine needs its penalty decision, whatever the policy.
d add --code ZG-2 --title '企业超标排放' --county 东川县 --set fines=3.5 >/dev/null &&
	d status ZG-2 in_progress >/dev/null && d attach ZG-2 after.jpg --kind after >/dev/null
run d status ZG-2 requested
exit_is 4 "an item with a fine and no penalty decision is refused"
like "$err" "penalty decision" "naming the penalty decision"

# ---------------------------------------------------------------- accept
run d accept --levels
exit_is 0 "accept --levels"
like "$out" "1. 县级初验 (county)" "the county level first"
like "$out" "2. 市级验收 (city) — signed by the office" "the city's by the office"
like "$out" "5. 建立长效管理机制" "the five criteria"

run d accept ZG-1 --level city --pass --opinion '同意'
exit_is 4 "the city level before the county's is refused"
like "$err" "the next level to sign is 县级初验" "and the next level named"
run d accept ZG-1 --level 省级 --pass --opinion x
exit_is 4 "an unknown level is refused"
run d accept ZG-1 --level county --pass
exit_is 2 "an acceptance without an opinion"
run d accept ZG-1 --level county --pass --opinion x --criteria 1,9
exit_is 4 "a criterion out of range"

run as_inspector accept ZG-1 --level county --pass --opinion '整改到位，同意县级初验' --signer 张三,李四 --criteria 1,2,3
exit_is 0 "the county's inspector signs the county level"
like "$out" "县级初验 signed, passed; next: 市级验收" "the next level is named"
is "$(field status)" "requested" "still requested"
run as_inspector accept ZG-1 --level city --pass --opinion '同意'
exit_is 4 "an inspector may not sign the city level"
like "$err" "signed by the office" "and is told who signs it"
run d accept ZG-1 --level 市级验收 --fail --opinion '反馈记录不全'
exit_is 0 "the office fails the city level"
like "$out" "(close-out requested → in progress)" "the item goes back to work"
run d show ZG-1 --format json
like "$out" '"reason":	"反馈记录不全"' "with the opinion as the reason"

# The chain starts again with the next request.
d attach ZG-1 feedback.txt --kind feedback >/dev/null
run d status ZG-1 requested
exit_is 0 "requested again, the evidence complete"
run d accept ZG-1 --level city --pass --opinion '同意'
exit_is 4 "the earlier county sign-off does not count again"
d accept ZG-1 --level county --pass --opinion '复查合格' --criteria 1,2,3,4,5 >/dev/null &&
	run d accept ZG-1 --level city --pass --opinion '同意销号验收' --signer 王五
exit_is 0 "both levels signed"
like "$out" "(close-out requested → verified)" "the last level verifies"
is "$(field progress)" "100" "verified means done"
run d accept ZG-1 --level county --pass --opinion again
exit_is 4 "a verified item is not accepted again"

# ---------------------------------------------------------------- dossier
d dossier ZG-1 -o "$tmp/d.html" >/dev/null
grep -q "<p>验收层级：县级初验 → 市级验收。</p>" "$tmp/d.html"
ok $? "the dossier states the chain"
grep -q "<td>县级初验</td><td>张三、李四</td><td>通过</td>" "$tmp/d.html"
ok $? "who signed the county level, and the result"
grep -q "<td>市级验收</td><td>王五</td><td>通过</td><td>同意销号验收</td>" "$tmp/d.html"
ok $? "who signed the city level, with the opinion"
grep -q "5. 建立长效管理机制</td>" "$tmp/d.html"
ok $? "the criteria met, in words"
grep -q "<td>向投诉人反馈记录</td>" "$tmp/d.html"
ok $? "the evidence index names the kind"
# ---------------------------------------------------------------- config
printf 'set acceptance "county:县级初验 city:市级验收 province:省级复核"\n' >>"$HOME/.config/duban/config"
run d accept --levels
like "$out" "3. 省级复核 (province) — signed by the office" "a chain of three from the config"
printf 'set acceptance "county"\n' >>"$HOME/.config/duban/config"
run d accept --levels
like "$err" "is not LEVEL:NAME" "a bad chain in the config is reported"
like "$out" "2. 市级验收 (city)" "and the default applies"
like "$out" "policy: the config file" "a standalone ledger's chain comes from the config"

# ---------------------------------------------------------------- verified, an item's own chain
d add --code ZG-9 --title 重点件 --county 东川县 >/dev/null && d status ZG-9 in_progress >/dev/null &&
	d status ZG-9 requested --override-evidence '测试' >/dev/null
ok $? "a key case, requested"
run d status ZG-9 verified
exit_is 4 "status verified is refused: the chain verifies"
like "$err" "duban accept ZG-9 --level LEVEL --pass" "the message says how"
run as_inspector edit ZG-9 --set 'acceptance_levels=county:县级初验 province:省级验收@office'
exit_is 4 "an inspector may not set an item's chain"
run d edit ZG-9 --set 'acceptance_levels=county:县级初验 county:重复'
exit_is 4 "a chain that does not read is refused"
run d edit ZG-9 --set 'acceptance_levels=county:县级初验 province:省级验收@office'
exit_is 0 "the office gives ZG-9 provincial acceptance"
run d accept ZG-9 --levels
like "$out" "policy: the item's own chain (acceptance_levels)" "accept CODE --levels says whose chain"
like "$out" "2. 省级验收 (province) — signed by the office" "and shows it"
run d inspect ZG-9 --result pass --level province
exit_is 4 "an inspection signing the provincial level before the county one is refused"
run d accept ZG-9 --level city --pass --opinion 合格
exit_is 4 "the policy's city level is not in the item's chain"
d accept ZG-9 --level county --pass --opinion 合格 >/dev/null && d accept ZG-9 --level province --pass --opinion 同意 >/dev/null
ok $? "the item's two levels signed"
is "$(d show ZG-9 --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['item']['status'])")" verified \
	"the item's own chain verified it"

done_testing
