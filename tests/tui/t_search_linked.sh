#!/bin/sh
# Search by link and by site in the full-screen interface: the / search runs
# the store's search under the current filter, so `:filter linked` makes it
# find the items linked to its matches too (match 1 of 2, n goes on to the
# linked item); `:filter linked search=TEXT` lists both; `:filter site=CODE`
# the items of the site (links through links, coordinates within 200 m).
# Run in C.UTF-8 and, by tests/tui/zh/, zh_CN.UTF-8.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/c.csv" <<'CSV'
受理编号,问题名称,类型,行政区域,整改状态,整改时限,经度,纬度
SA1,北岭镇砖瓦窑无组织排放,信访件,北岭县,整改中,2026-08-31,112.5,37.8
SA2,北岭镇石桥村扬尘,信访件,北岭县,整改中,2026-09-30,,
SA3,北岭镇石桥村道路积尘,信访件,北岭县,整改中,2026-10-31,,
SB1,北岭镇东关村餐饮油烟,信访件,北岭县,整改中,2026-11-30,112.501135,37.8
SC1,南河县畜禽养殖污水,信访件,南河县,整改中,2026-12-31,113.2,36.9
CSV
d import "$tmp/c.csv" >/dev/null 2>&1
ok $? "five items imported"
d link SA1 SA2 --why 同一企业 >/dev/null 2>&1 && d link SA2 SA3 --why 同一场地 >/dev/null 2>&1
ok $? "SA1–SA2–SA3 linked"

start 100 30
wait_for SA1
keys /
text 砖瓦窑
keys Enter
screen_has "$(L "match 1 of 1" "第 1 处，共 1 处")" "/ finds the one match"
keys :
text "filter linked"
keys Enter
screen_has "$(L "searches add linked items" "搜索含关联事项")" "the filter says searches add linked items"
keys /
text 砖瓦窑
keys Enter
screen_has "$(L "match 1 of 2" "第 1 处，共 2 处")" "with linked: two matches"
keys n
screen_has "$(L "match 2 of 2" "第 2 处，共 2 处")" "n: the second"
keys :
text "filter linked search=砖瓦窑"
keys Enter
screen_has "$(L "2 items" "共 2 项")" "filter linked search=: the match and its linked item"
screen_has SA2 "SA2 listed"
screen_lacks "○ SA3" "SA3 (two links away) not listed"
keys :
text "filter site=SA1"
keys Enter
screen_has "$(L "4 items" "共 4 项")" "filter site=SA1: four items"
screen_has "$(L "site of SA1" "同一场所：SA1")" "the filter named"
screen_lacks "○ SC1" "not the item far away"
screen_is search-site-100x30 "the site's items"
keys :
text "filter site=SA1 site-radius=0"
keys Enter
screen_has "$(L "3 items" "共 3 项")" "site-radius=0: links only"
quit
done_testing
