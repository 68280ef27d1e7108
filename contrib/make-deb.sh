#!/bin/sh
# Builds the Debian packages duban and duband (debian/) from this source
# tree in a clean copy, and puts the .deb files in OUTDIR (default ./deb):
#
#   contrib/make-deb.sh [OUTDIR]     (or `make deb` in a build directory)
#
# The copy holds the files git knows (tracked ones, and new ones it does
# not ignore), so no build directory, configure output or editor file gets
# in.  DEB_BUILD_OPTIONS passes through (default "nocheck parallel=2": the
# project's CI runs the tests; `DEB_BUILD_OPTIONS= contrib/make-deb.sh` runs
# the unit tests in the package build too).  Needs debhelper and the build
# dependencies of debian/control (contrib/setup-debian.sh --test-tools).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$PWD/deb}

say() { printf 'make-deb: %s\n' "$*" >&2; }

for tool in dpkg-buildpackage dh dpkg-parsechangelog; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool is missing: apt-get install debhelper dpkg-dev (or contrib/setup-debian.sh --test-tools)"
		exit 1
	fi
done
if ! git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	say "$top is not a git checkout: in an unpacked source tree run dpkg-buildpackage -us -uc -b there"
	exit 1
fi
# One version: the package's is the project's (duban --version).
project=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
package=$(dpkg-parsechangelog -l "$top/debian/changelog" -SVersion)
if [ "$project" != "$package" ]; then
	say "debian/changelog says $package but configure.ac says $project: add a changelog entry (dch -v $project)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/duban-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/duban-$project
mkdir -p "$src" "$out"
out=$(cd "$out" && pwd)
(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$src"
# The build id --version prints: the checkout's, as git describes it.
sh "$top/contrib/build-id.sh" id "$top" >"$src/.build-id"

say "building duban $project in $src"
# Run from `make check` (tests/pkg/t_deb.sh), the build must not join the
# outer make's job server nor see the tests' settings.
if ! (cd "$src" && unset MAKEFLAGS MFLAGS MAKELEVEL top_srcdir top_builddir DUBAN DUBAND DUBAN_NOW DUBAN_TODAY &&
	DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck parallel=2} \
	dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	tail -40 "$work/build.log" >&2
	say "dpkg-buildpackage failed (the end of its output is above)"
	exit 1
fi
cp "$work"/duban_"$project"_*.deb "$work"/duband_"$project"_*.deb "$out"/
ls "$out"/duban_"$project"_*.deb "$out"/duband_"$project"_*.deb
