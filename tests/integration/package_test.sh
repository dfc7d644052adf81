#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The .deb an admin installs, and the systemd unit inside it, checked the way dpkg and systemd
# will see them: built by CPack from this build, unpacked, and the installed unit verified and
# rated by systemd-analyze.   usage: package_test.sh BUILD_DIR
set -uo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check "what" command...
  local what=$1; shift
  if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else
    echo "FAIL $what"; sed 's/^/     /' "$work/out"; failures=$((failures + 1)); fi
}
need() { command -v "$1" >/dev/null || { echo "skip: $1 not installed"; exit 77; }; }
need cpack; need dpkg-deb; need systemd-analyze

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  echo "$build was configured with CMAKE_INSTALL_PREFIX=$prefix; the .deb is built with /usr"
  echo "(reconfigure: cmake -B $build -DCMAKE_INSTALL_PREFIX=/usr)"
  exit 1
fi
if ! cpack --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"; exit 1
fi
deb=$(ls "$work"/pkg/closeoutd_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$work/files"
field() { dpkg-deb -f "$deb" "$1"; }
has_file() { grep -qx "$1" "$work/files"; }

check "package name, section and architecture" \
  bash -c "[ '$(field Package)' = closeoutd ] && [ '$(field Section)' = mail ] && [ '$(field Architecture)' = '$(dpkg --print-architecture)' ]"
check "version is the project's" grep -q "^$(field Version)\$" <(sed -n 's/^project(closeoutd VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
for dep in systemd ca-certificates fonts-freefont-ttf libcurl4 libsqlite3-0 libsystemd0 libmimetic0v5 libxml2 libspdlog libhpdf; do
  check "depends on $dep" grep -q "\\b$dep" <<<"$(field Depends)"
done
for f in /usr/sbin/closeoutd /usr/bin/closeoutctl /usr/libexec/closeoutd/closeout-extract \
         /etc/closeoutd/closeoutd.toml \
         /usr/lib/systemd/system/closeoutd.service /usr/lib/systemd/system/closeoutd@.service \
         /usr/share/man/man8/closeoutd.8.gz \
         /usr/share/man/man8/closeoutctl.8.gz /usr/share/closeoutd/cits-form.toml \
         /usr/share/closeoutd/templates/closeout.txt /usr/share/closeoutd/templates/digest.txt; do
  check "ships $f" has_file "$f"
done
check "ships no test, benchmark or fuzz binary" bash -c "! grep -E 'test|bench|fuzz|gtest' '$work/files'"
check "ships nothing under /usr/local or /var" bash -c "! grep -E '^/usr/local|^/var' '$work/files'"
check "the service is not enabled by the package" bash -c "! grep -E '\\.wants/' '$work/files'"
check "says its licence: GPL-3.0-or-later in the copyright file" \
  bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xO ./usr/share/doc/closeoutd/copyright | grep -q '^License: GPL-3.0-or-later'"

mkdir -p "$work/control" "$work/root"
dpkg-deb -e "$deb" "$work/control"
dpkg-deb -x "$deb" "$work/root"
check "the configuration is a conffile" grep -qx /etc/closeoutd/closeoutd.toml "$work/control/conffiles"
check "maintainer scripts never enable or start the service" \
  bash -c "! grep -hvE '^\\s*#' '$work'/control/post* '$work'/control/pre* | grep -E 'systemctl (enable|start)|deb-systemd-helper enable'"
check "removing the package stops the closeoutd@ instances too" \
  bash -c "grep -v '^\\s*#' '$work/control/prerm' | grep -q \"systemctl stop .*'closeoutd@\\*.service'\""
check "purge, not remove, deletes the database" \
  bash -c "grep -A2 '\"purge\"' '$work/control/postrm' | grep -q /var/lib/closeoutd"

unit="$work/root/usr/lib/systemd/system/closeoutd.service"
check "the unit starts /usr/sbin/closeoutd with /etc/closeoutd/closeoutd.toml" \
  grep -qx 'ExecStart=/usr/sbin/closeoutd --config /etc/closeoutd/closeoutd.toml' "$unit"
for key in Type=notify WatchdogSec= Restart=on-failure 'ExecReload=/bin/kill -HUP $MAINPID' \
           StateDirectory=closeoutd ConfigurationDirectory=closeoutd DynamicUser=yes \
           'LoadCredential=imap.pass:' 'LoadCredential=smtp.pass:' RestartPreventExitStatus=78; do
  check "the unit sets $key" grep -qF "$key" "$unit"
done
template="$work/root/usr/lib/systemd/system/closeoutd@.service"
check "the template starts /usr/sbin/closeoutd with /etc/closeoutd/%i.toml" \
  grep -qx 'ExecStart=/usr/sbin/closeoutd --config /etc/closeoutd/%i.toml' "$template"
for key in DynamicUser=yes User=closeoutd-%i StateDirectory=closeoutd/%i LogsDirectory=closeoutd/%i \
           LoadCredential=imap.pass:/etc/closeoutd/%i/imap.pass \
           LoadCredential=smtp.pass:/etc/closeoutd/%i/smtp.pass Conflicts=closeoutd.service; do
  check "the template sets $key" grep -qx "$key" "$template"
done
# Every other setting, the sandbox above all (sandbox_test.sh traces the daemon against
# closeoutd.service's SystemCallFilter=), is closeoutd.service's line for line.
common_settings() {
  grep -vE '^(#|$|Description=|Conflicts=|ExecStart=|User=|StateDirectory=|LogsDirectory=|LoadCredential=)' "$1"
}
check "the template's other settings and hardening are closeoutd.service's" \
  diff <(common_settings "$unit") <(common_settings "$template")

# systemd-analyze verify wants ExecStart to exist, so the copy it checks points at the unpacked
# binary; every other setting is the installed one. Any warning (an unknown key, a bad value)
# fails the check, not only errors. The template is checked as the instance closeoutd@acme,
# which systemd-analyze makes from closeoutd@.service in the same directory (offline, a bare
# template would be rated as the instance "i").
mkdir -p "$work/verify"
for file in closeoutd.service closeoutd@.service; do
  sed "s#^ExecStart=/usr/sbin/#ExecStart=$work/root/usr/sbin/#" \
    "$work/root/usr/lib/systemd/system/$file" >"$work/verify/$file"
done
for name in closeoutd.service closeoutd@acme.service; do
  check "systemd-analyze verify $name is silent" \
    bash -c "out=\$(systemd-analyze verify --man=no '$work/verify/$name' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
  score=$(systemd-analyze security --offline=true --no-pager "$work/verify/$name" 2>&1 |
    sed -n "s/.*Overall exposure level for $name: \([0-9.]*\).*/\1/p")
  echo "     exposure level of $name: ${score:-none}"
  check "systemd-analyze security rates $name 2.0 or lower" \
    bash -c "[ -n '$score' ] && awk 'BEGIN { exit !($score <= 2.0) }'"
done
check "the unpacked binaries run" "$work/root/usr/sbin/closeoutd" --version
# The attachment helper closeoutd starts from /usr/libexec/closeoutd: it runs from the package and
# answers with a reading, and every library it loads comes with a package in Depends.
extract="$work/root/usr/libexec/closeoutd/closeout-extract"
check "the unpacked attachment helper reads an attachment" bash -c "
  printf '%%PDF-1.4\\n%%%%EOF\\n' | '$extract' read --kind=pdf --filename=form.pdf |
    python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(r[\"filename\"] != \"form.pdf\" or r[\"type\"] != \"pdf\")'"
helper_libraries_depended_on() {
  local depends lib pkg
  depends=$(field Depends)
  # Only what the helper itself links (NEEDED): what those libraries load in turn comes with
  # their own packages' dependencies, as dpkg-shlibdeps reasons.
  local needed
  needed=$(objdump -p "$extract" | awk '$1 == "NEEDED" {print $2}')
  for lib in $(ldd "$extract" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' |
               grep -wF -f <(printf '%s\n' $needed) | awk '{print $2}'); do
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || { echo "no package owns $lib"; return 1; }
    tr ',|' '\n\n' <<<"$depends" | awk '{print $1}' | grep -qxF "$pkg" ||
      { echo "$lib is $pkg's, which Depends lacks: $depends"; return 1; }
  done
}
check "every library the attachment helper loads is in Depends" helper_libraries_depended_on
check "the man pages are gzipped roff that names every closeoutctl command" bash -c "
  zcat '$work/root/usr/share/man/man8/closeoutd.8.gz' | grep -q '^\.TH CLOSEOUTD 8' &&
  page=\$(zcat '$work/root/usr/share/man/man8/closeoutctl.8.gz') &&
  for c in parse check-config list show report outbox retry resend ascr; do
    grep -q \"^\\.B \$c\" <<<\"\$page\" || { echo \"closeoutctl(8) lacks \$c\"; exit 1; }; done"
# As the README tells an admin to check it: the passwords where the unit loads them from.
mkdir -p "$work/credentials" && echo secret >"$work/credentials/imap.pass" && echo secret >"$work/credentials/smtp.pass"
check "the installed example configuration loads" env CREDENTIALS_DIRECTORY="$work/credentials" \
  "$work/root/usr/bin/closeoutctl" --config "$work/root/etc/closeoutd/closeoutd.toml" check-config --offline

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all package checks passed"
