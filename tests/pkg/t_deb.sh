#!/bin/sh
# The Debian packages (debian/, issue 18), built from a clean copy of the
# checkout and installed on this machine: the files each package holds,
# versions that agree, the unit, the duband user and directories; duband run
# from its configuration file as that user with a client syncing to it; an
# upgrade from the previous version keeping the data and an edited conffile;
# remove keeping everything, purge removing the configuration but the ledger
# only when PURGE_DATA says so.
#
# It installs packages, so it runs as root, and only from a git checkout
# (not inside `make distcheck`, whose tarball has no .git); outside CI it
# also stays away from a machine where duban or duband is installed already.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"

skip_all() {
	if [ "${CI:-}" = true ] && [ "${2:-}" = ci-fails ]; then
		echo "Bail out! $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}
[ -e "$top_srcdir/.git" ] || skip_all "not a git checkout (make distcheck builds from the tarball): packages are built from a checkout"
[ "$(id -u)" = 0 ] || skip_all "installing packages needs root (CI runs as root)" ci-fails
for tool in dpkg-buildpackage dh apt-get setpriv; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip_all "$tool is missing (sh contrib/setup-debian.sh --test-tools installs debhelper)" ci-fails
done
if [ "${CI:-}" != true ]; then
	for p in duban duband; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			skip_all "the package $p is installed on this machine: not touching it outside CI"
		fi
	done
fi
had_user=no
getent passwd duband >/dev/null && had_user=yes

. "$top_srcdir/tests/server/lib.sh"

# Whatever happens, the machine is left as it was: packages purged, the
# test's certificate and data gone, the user removed when the test made it.
bkdir=
pkg_cleanup() {
	srv_cleanup
	[ -z "$bkdir" ] || rm -rf "$bkdir"
	DEBIAN_FRONTEND=noninteractive dpkg --purge duband duban >/dev/null 2>&1
	rm -f /etc/duban/cert.pem /etc/duban/key.pem
	rmdir /etc/duban 2>/dev/null
	rm -rf /var/lib/duband /var/log/duband
	[ "$had_user" = yes ] || deluser --system duband >/dev/null 2>&1 || userdel duband >/dev/null 2>&1
	return 0
}
trap 'pkg_cleanup' EXIT
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- build
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
started=$(date +%s)
if sh "$top_srcdir/contrib/make-deb.sh" "$tmp/new" >"$tmp/build.log" 2>&1; then
	pass "contrib/make-deb.sh builds both packages from a clean copy ($(($(date +%s) - started)) s)"
else
	fail "contrib/make-deb.sh builds both packages"
	tail -30 "$tmp/build.log" | sed 's/^/#   /'
	echo "Bail out! no packages to test"
	exit 1
fi
deb_client=$(ls "$tmp"/new/duban_"$version"_*.deb)
deb_server=$(ls "$tmp"/new/duband_"$version"_*.deb)
is "$(dpkg-deb -f "$deb_server" Version)" "$version" "the package version is the project's ($version)"

if command -v lintian >/dev/null 2>&1; then
	lintian --allow-root "$deb_client" "$deb_server" >"$tmp/lintian.out" 2>&1
	is "$(grep -c '^E:' "$tmp/lintian.out")" 0 "lintian: no errors"
	is "$(grep '^W:' "$tmp/lintian.out" | head -5)" "" "lintian: no warnings"
else
	skip "lintian is not installed"
	skip "lintian is not installed"
fi

# The previous version: the same files under version 0.0.9 (what the last
# release installed), so the upgrade below is a real version step.
for deb in "$deb_client" "$deb_server"; do
	name=$(dpkg-deb -f "$deb" Package)
	rm -rf "$tmp/unpack"
	dpkg-deb -R "$deb" "$tmp/unpack"
	sed -i 's/^Version: .*/Version: 0.0.9/' "$tmp/unpack/DEBIAN/control"
	mkdir -p "$tmp/old"
	dpkg-deb -b "$tmp/unpack" "$tmp/old/${name}_0.0.9.deb" >/dev/null
done

# ---------------------------------------------------------------- install the old one
run apt-get install -y -q "$tmp/old/duban_0.0.9.deb" "$tmp/old/duband_0.0.9.deb"
exit_is 0 "apt-get install of version 0.0.9"
is "$(getent passwd duband | cut -d: -f6,7)" "/var/lib/duband:/usr/sbin/nologin" "the duband system user (home /var/lib/duband, no shell)"
is "$(stat -c '%U %a' /var/lib/duband)" "duband 700" "/var/lib/duband belongs to duband, mode 0700"
is "$(stat -c '%U' /var/log/duband)" duband "/var/log/duband belongs to duband"
is "$(dpkg-query -W -f='${Conffiles}' duband | awk '{print $1}' | tr -d '\n')" /etc/duban/duband.conf \
	"/etc/duban/duband.conf is a conffile"
grep -q '^store sqlite:/var/lib/duband$' /etc/duban/duband.conf
ok $? "the shipped configuration keeps the ledger in sqlite:/var/lib/duband"
# Without systemd running (CI) the unit is not started anyway; the condition
# is what keeps it inactive on a real system.
grep -q '^ConditionPathExists=/etc/duban/cert.pem$' /lib/systemd/system/duband.service
ok $? "the unit waits for the certificate (ConditionPathExists)"

# ---------------------------------------------------------------- the service's configuration, edited
PORT=$(random_port)
URL=https://127.0.0.1:$PORT
install -m 644 "$CERT" /etc/duban/cert.pem
install -o duband -g duband -m 600 "$KEY" /etc/duban/key.pem
sed -i "s/^listen .*/listen 127.0.0.1:$PORT/" /etc/duban/duband.conf
printf '# edited by the administrator\nmax-ops 400\n' >>/etc/duban/duband.conf
cp /etc/duban/duband.conf "$tmp/edited.conf"

# serve_packaged: duband serve --config /etc/duban/duband.conf as the user
# duband (setpriv: $! is duband itself), waiting for health.
serve_packaged() {
	SRV_N=$((SRV_N + 1))
	SRV_ERR=$tmp/server.$SRV_N.err
	setpriv --reuid=duband --regid=duband --init-groups /usr/bin/duband serve --config /etc/duban/duband.conf \
		>"$tmp/server.$SRV_N.out" 2>"$SRV_ERR" &
	SRV_PID=$!
	_w=0
	while [ $_w -lt 200 ] && ! health_ok; do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
		_w=$((_w + 1))
	done
	health_ok
	ok $? "$1"
	[ -n "$(cat "$SRV_ERR")" ] && ! grep -q 'listening' "$SRV_ERR" && sed 's/^/#   /' "$SRV_ERR"
	return 0
}
DATA=/var/lib/duband
printf '%s\n%s\n' "$PW" "$PW" | setpriv --reuid=duband --regid=duband --init-groups \
	/usr/bin/duband user add boss --role office --data /var/lib/duband >"$tmp/useradd.out" 2>&1
ok $? "duband user add as the duband user"
serve_packaged "the packaged duband serves from /etc/duban/duband.conf as the user duband"
is "$(ps -o user= -p "$SRV_PID" | tr -d ' ')" duband "the server runs as duband"

# A client (the installed duban) logs in and syncs.
cdir=$tmp/client
mkdir -p "$cdir/home" "$cdir/config" "$cdir/data"
cl() {
	HOME=$cdir/home XDG_CONFIG_HOME=$cdir/config XDG_DATA_HOME=$cdir/data USER=li \
		/usr/bin/duban --db "$cdir/ledger.db" "$@"
}
printf '%s\n' "$PW" >"$tmp/.pw"
run cl login "$URL" boss --cacert "$CA" --device laptop <"$tmp/.pw"
exit_is 0 "the installed duban logs in"
cl add --code P-001 --title 打包测试问题 --county 甲县 --lead-unit 甲县人民政府 --deadline 2026-12-31 >/dev/null 2>&1
cl note P-001 升级之前的记录 >/dev/null 2>&1
run cl sync
exit_is 0 "and syncs"
is "$(sqlite3 -readonly /var/lib/duband/ledger.db "SELECT count(*) FROM item WHERE code = 'P-001'")" 1 \
	"the item is in /var/lib/duband"
stop_server

# ---------------------------------------------------------------- upgrade
run apt-get install -y -q "$deb_client" "$deb_server"
exit_is 0 "apt-get install of $version over 0.0.9"
is "$(dpkg-query -W -f='${Version} ' duban duband)" "$version $version " "both packages are at $version"
cmp -s /etc/duban/duband.conf "$tmp/edited.conf"
ok $? "the edited conffile is kept"
is "$(stat -c '%U %a' /var/lib/duband)" "duband 700" "/var/lib/duband keeps its owner and mode"
is "$(sqlite3 -readonly /var/lib/duband/ledger.db "SELECT count(*) FROM note WHERE text = '升级之前的记录'")" 1 \
	"the ledger survived the upgrade"

# ---------------------------------------------------------------- what is installed
run /usr/bin/duban --version
like "$(printf '%s' "$out" | head -n 1 | cut -c1-$((8 + ${#version})))" "duban $version (" "duban --version says $version"
run /usr/bin/duband --version
like "$(printf '%s' "$out" | head -n 1 | cut -c1-$((9 + ${#version})))" "duband $version (" "duband --version says $version"
HOME=$tmp/demo XDG_DATA_HOME=$tmp/demo XDG_CONFIG_HOME=$tmp/demo /usr/bin/duban --demo >"$tmp/demo.out" 2>&1
like "$(head -n 1 "$tmp/demo.out")" "Code       Title" "duban --demo prints the demo ledger"
ok "$([ "$(wc -l <"$tmp/demo.out")" -gt 100 ]; echo $?)" "a list of the demo's items ($(wc -l <"$tmp/demo.out" | tr -d ' ') lines)"
LC_ALL=zh_CN.UTF-8 /usr/bin/duban --help >"$tmp/zh.out" 2>&1
if locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
	like "$(cat "$tmp/zh.out")" "用法" "the installed translation speaks Chinese"
else
	skip "no zh_CN.UTF-8 locale"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	run systemd-analyze verify /lib/systemd/system/duband.service
	is "$(printf '%s\n%s' "$out" "$err" | grep -i 'duband' | grep -v 'not running as PID 1\|Failed to connect to bus' | head -5)" "" \
		"systemd-analyze verify of the unit"
else
	skip "systemd-analyze is not installed"
fi

# The files of each package (directories left out).
files_of() {
	dpkg -L "$1" | while read -r f; do [ -d "$f" ] || echo "$f"; done | LC_ALL=C sort
}
cat >"$tmp/duban.expected" <<EOL
/usr/bin/duban
/usr/share/bash-completion/completions/duban
/usr/share/doc/duban/README.md.gz
/usr/share/doc/duban/changelog.gz
/usr/share/doc/duban/copyright
/usr/share/duban/templates/accountability.txt
/usr/share/duban/templates/circular.txt
/usr/share/duban/templates/letter.html
/usr/share/duban/templates/notice.txt
/usr/share/duban/templates/reminder.txt
/usr/share/duban/templates/summons.txt
/usr/share/duban/themes/dark.theme
/usr/share/duban/themes/default.theme
/usr/share/duban/themes/high-contrast.theme
/usr/share/duban/themes/light.theme
/usr/share/duban/themes/mono.theme
/usr/share/locale/zh_CN/LC_MESSAGES/duban.mo
/usr/share/man/man1/duban.1.gz
/usr/share/man/man5/dubanrc.5.gz
EOL
cat >"$tmp/duband.expected" <<EOL
/etc/duban/duband.conf
/lib/systemd/system/duband.service
/usr/bin/duband
/usr/share/doc/duband/PROTOCOL.md.gz
/usr/share/doc/duband/README.Debian
/usr/share/doc/duband/README.md.gz
/usr/share/doc/duband/changelog.gz
/usr/share/doc/duband/copyright
/usr/share/doc/duband/examples/haproxy-duband.cfg
/usr/share/doc/duband/examples/nginx-duband.conf
/usr/share/man/man8/duband.8.gz
EOL
for p in duban duband; do
	files_of $p >"$tmp/$p.got"
	if cmp -s "$tmp/$p.expected" "$tmp/$p.got"; then
		pass "dpkg -L $p: the expected $(wc -l <"$tmp/$p.got" | tr -d ' ') files"
	else
		fail "dpkg -L $p: the expected files"
		diff "$tmp/$p.expected" "$tmp/$p.got" | sed 's/^/#   /'
	fi
done

# A backup as duband, restored by root: the files stay the service's.
# (The test's own directory is root's alone: the backup goes elsewhere.)
bkdir=$(mktemp -d /tmp/duban-pkg-backup.XXXXXX)
chown duband "$bkdir"
setpriv --reuid=duband --regid=duband --init-groups /usr/bin/duband backup "$bkdir/one" --data /var/lib/duband \
	>"$tmp/bk.out" 2>&1
ok $? "the installed duband backs up /var/lib/duband as duband"
run /usr/bin/duband restore "$bkdir/one" --data /var/lib/duband --force
exit_is 0 "root restores it over /var/lib/duband"
is "$(stat -c %U /var/lib/duband/ledger.db)" duband "the restored ledger belongs to duband"
# After the upgrade (and the restore) the server comes back on the same data
# and the client syncs.
serve_packaged "the upgraded duband serves from its configuration"
cl note P-001 升级之后的记录 >/dev/null 2>&1
run cl sync
exit_is 0 "the client syncs with the upgraded server"
is "$(sqlite3 -readonly /var/lib/duband/ledger.db "SELECT count(*) FROM note WHERE item_id = (SELECT id FROM item WHERE code = 'P-001')")" 2 \
	"both notes are on the server"
stop_server

# ---------------------------------------------------------------- remove, purge
run apt-get remove -y -q duband duban
exit_is 0 "apt-get remove"
ok "$([ ! -e /usr/bin/duband ] && [ ! -e /usr/bin/duban ]; echo $?)" "remove takes the programs"
ok "$([ -f /etc/duban/duband.conf ]; echo $?)" "remove keeps /etc/duban/duband.conf"
ok "$([ -f /var/lib/duband/ledger.db ]; echo $?)" "remove keeps the ledger"
run apt-get purge -y -q duband duban
exit_is 0 "apt-get purge"
ok "$([ ! -e /etc/duban/duband.conf ]; echo $?)" "purge removes /etc/duban/duband.conf"
ok "$([ ! -e /var/log/duband ]; echo $?)" "purge removes /var/log/duband"
ok "$([ -f /var/lib/duband/ledger.db ]; echo $?)" "purge keeps the ledger in /var/lib/duband"
like "$out$err" "the ledger stays in /var/lib/duband" "purge says where the ledger stays"
ok "$([ -f /etc/duban/cert.pem ]; echo $?)" "purge leaves the administrator's certificate"
# With PURGE_DATA the administrator says the data may go.
run apt-get install -y -q "$deb_server"
exit_is 0 "duband installed again"
is "$(sqlite3 -readonly /var/lib/duband/ledger.db "SELECT count(*) FROM item WHERE code = 'P-001'")" 1 \
	"a new install finds the kept ledger"
touch /var/lib/duband/PURGE_DATA
run apt-get purge -y -q duband
exit_is 0 "apt-get purge with /var/lib/duband/PURGE_DATA"
ok "$([ ! -e /var/lib/duband ]; echo $?)" "PURGE_DATA: purge removes /var/lib/duband"

diag "the whole test took $(($(date +%s) - started)) s"
done_testing
