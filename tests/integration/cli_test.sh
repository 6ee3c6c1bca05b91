#!/usr/bin/env bash
# CLI tests on the real binary and driver files. Usage:
#   cli_test.sh CASE MAILGATE_BINARY PLUGIN_DIR FIXTURE_PLUGIN_DIR SOURCE_DIR
set -uo pipefail
case_name=$1 mailgate=$2 plugins=$3 fixtures=$4 source=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAILED: $*"; echo "--- output:"; cat "$work/out"; exit 1; }
run() { "$mailgate" "$@" >"$work/out" 2>&1; echo $? >"$work/rc"; }
expect_rc() { [ "$(cat "$work/rc")" = "$1" ] || fail "exit code $(cat "$work/rc"), expected $1"; }
expect_out() { grep -qE -- "$1" "$work/out" || fail "output lacks /$1/"; }
expect_no_out() { ! grep -qE -- "$1" "$work/out" || fail "output has /$1/"; }

case $case_name in
version)
    run --version
    expect_rc 0
    expect_out '^mailgate [0-9]+\.[0-9]+\.[0-9]+ \(driver ABI 1\.2\)$'
    ;;
help)
    run --help
    expect_rc 0
    expect_out '^  plugins '
    expect_out '^  check-config '
    expect_out 'mailgate <command> --help'
    run
    expect_rc 2
    ;;
help_per_command)
    # Each command's --help is its own: its usage, its options, and the common ones only.
    run send-test --help
    expect_rc 0
    expect_out '^usage: mailgate send-test --provider NICK --to ADDRESS'
    expect_out '^send-test options:'
    expect_out '^  --allow-suppressed'
    expect_out '^  -c \[ --config \]'
    expect_no_out 'dry-run|port-file|^  serve '
    run suppressions --help
    expect_rc 0
    expect_out '^  --dry-run'
    expect_no_out 'allow-suppressed'
    ;;
foreign_option)
    # An option the command does not take is refused, not ignored.
    run serve --to someone@example.com --config "$work/none.yaml"
    expect_rc 2
    expect_out '^mailgate serve: --to is not an option of serve \(see mailgate serve --help\)$'
    run check-config --dry-run
    expect_rc 2
    expect_out 'dry-run is not an option of check-config'
    ;;
plugins_lists_legacy)
    run plugins --plugins "$plugins"
    expect_rc 0
    expect_out '^legacy 1\.0\.0$'
    expect_out "file: +$plugins/mailgate-legacy.so"
    expect_out 'ABI: +1\.2'
    expect_out 'capabilities: +callbacks, smtp'
    expect_out 'max events: +1000 per callback'
    expect_out '^    host +string +required '
    expect_out '^    port +int +default "587" '
    expect_out '^    password +string +secret'
    ;;
plugins_reports_bad_files)
    run plugins --plugins "$fixtures"
    expect_rc 0
    expect_out '4 driver\(s\) loaded'
    expect_out "skipped $fixtures/mailgate-wrong_major.so: built for driver ABI 2\.0"
    expect_out "skipped $fixtures/mailgate-newer_minor.so: built for driver ABI 1\.3, newer"
    expect_out "skipped $fixtures/mailgate-no_entry.so: no mg_driver_entry symbol"
    expect_out "skipped $fixtures/mailgate-not_a_library.so: cannot load"
    expect_out "skipped $fixtures/mailgate-zz_duplicate.so: duplicate driver id 'fixture_good'"
    # The log line (stderr) names the file and the reason too.
    expect_out "error +\[plugin\] $fixtures/mailgate-no_entry.so: skipped: no mg_driver_entry"
    ;;
plugins_check)
    # One good file: described as the folder listing would, and nothing else is loaded.
    run plugins --check "$plugins/mailgate-smtp.so"
    expect_rc 0
    expect_out '^smtp 1\.0\.0$'
    expect_out 'ABI: +1\.2'
    expect_out '^    callback_token +string +secret'
    expect_out '^accepted: the gateway loads this driver$'
    expect_no_out '^legacy '
    # A bare file name is the file in the working directory, not a library path search.
    (cd "$plugins" && "$mailgate" plugins --check mailgate-legacy.so) >"$work/out" 2>&1
    expect_out '^legacy 1\.0\.0$'
    ;;
plugins_check_refused)
    run plugins --check "$fixtures/mailgate-wrong_major.so"
    expect_rc 1
    expect_out "^refused $fixtures/mailgate-wrong_major.so: built for driver ABI 2\.0, this host speaks ABI 1\.2"
    run plugins --check "$fixtures/mailgate-newer_minor.so"
    expect_rc 1
    expect_out 'newer than this host.s ABI 1\.2: upgrade mailgate'
    run plugins --check "$fixtures/mailgate-no_entry.so"
    expect_rc 1
    expect_out 'no mg_driver_entry symbol: not a mailgate driver'
    run plugins --check "$fixtures/mailgate-not_a_library.so"
    expect_rc 1
    expect_out 'cannot load: .*invalid ELF header'
    run plugins --check "$work/missing.so"
    expect_rc 1
    expect_out "^refused $work/missing.so: cannot load: .*No such file"
    ;;
plugins_check_truncated)
    # Cut inside its last loaded segment, as an interrupted copy leaves it: dlopen would map
    # that segment past the end of the file and die of SIGBUS.
    read -r offset size < <(readelf -lW "$plugins/mailgate-smtp.so" |
        awk '$1 == "LOAD" { offset = $2; size = $5 } END { print offset, size }')
    segment=$(readelf -lW "$plugins/mailgate-smtp.so" |
        awk '/^  [A-Z]/ && $1 != "Type" { if ($1 == "LOAD") last = n; n++ } END { print last }')
    end=$((offset + size)) cut=$((offset + size / 2))
    head -c "$cut" "$plugins/mailgate-smtp.so" >"$work/mailgate-smtp.so"
    run plugins --check "$work/mailgate-smtp.so"
    expect_rc 1
    expect_out "^refused $work/mailgate-smtp.so: truncated: segment $segment ends at byte $end, the file has $cut$"
    ;;
check_config_ok)
    sed "s|^  directory: .*|  directory: $plugins|" "$source/config/mailgate.yaml" >"$work/ok.yaml"
    run check-config --config "$work/ok.yaml"
    expect_rc 0
    expect_out 'OK \([0-9]+ provider\(s\)\)'
    expect_no_out 'loaded driver' # the server's start-up record, noise before this output
    run check-config --config "$work/ok.yaml" --log-level debug
    expect_out 'loaded driver smtp@'
    ;;
check_config_errors)
    cat >"$work/bad.yaml" <<YAML
plugins:
  directory: $plugins
providers:
  - nickname: legacy
    driver: legacy
    port: seventy
    password: hunter2-secret
    colour: blue
    pasword: x
  - nickname: relay
    driver: smpt
atribution:
  key: x
YAML
    run check-config --config "$work/bad.yaml"
    expect_rc 1
    expect_out "bad.yaml:6:11: provider 'legacy': option 'port' must be an integer, got 'seventy'"
    expect_out "bad.yaml:8:13: provider 'legacy': unknown option 'colour' \(driver 'legacy' takes:"
    expect_out "bad.yaml:9:14: provider 'legacy': unknown option 'pasword' \(did you mean 'password'\?\)"
    expect_out "bad.yaml:4:5: provider 'legacy': missing required option 'host'"
    expect_out "provider 'relay': driver 'smpt' is not loaded from .* \(did you mean 'smtp'\?\)"
    expect_out "bad.yaml:12:1: atribution: unknown section \(did you mean 'attribution'\?\)"
    expect_no_out 'hunter2-secret'
    ;;
check_config_yaml_syntax)
    # A YAML mistake is said in the operator's words, at its line, with the parser's own beside.
    printf 'server:\n  listen: 127.0.0.1:8025\n threads: 2\n' >"$work/indent.yaml"
    run check-config --config "$work/indent.yaml"
    expect_rc 1
    expect_out "indent.yaml:3:2: this line's indentation matches none of the lines above"
    printf 'server:\n  public_url: see: here\n' >"$work/colon.yaml"
    run check-config --config "$work/colon.yaml"
    expect_rc 1
    expect_out "colon.yaml:2:18: a 'key: value' is not allowed here: .*quote a value that holds ': ' \(YAML: illegal map value\)"
    printf 'server: {listen: x\n' >"$work/flow.yaml"
    run check-config --config "$work/flow.yaml"
    expect_out "a \{ ... \} mapping is not closed"
    ;;
check_config_port_scheme)
    # A scheme its port cannot speak only times out at the first send: check-config and serve
    # refuse the file alike, at the offending key.
    cat >"$work/tls.yaml" <<YAML
plugins:
  directory: $plugins
providers:
  - nickname: gmail
    driver: smtp
    host: smtp.gmail.com
    port: 465
    scheme: starttls
  - nickname: relay
    driver: smtp
    host: smtp.example.net
    port: 587
    scheme: smtps
YAML
    run check-config --config "$work/tls.yaml"
    expect_rc 1
    expect_out "tls.yaml:8:13: provider 'gmail': option 'scheme': port 465 is implicit TLS: use scheme: smtps, not 'starttls'"
    expect_out "tls.yaml:13:13: provider 'relay': option 'scheme': port 587 greets in clear"
    run serve --config "$work/tls.yaml"
    expect_rc 1
    expect_out "option 'scheme': port 465 is implicit TLS"
    ;;
check_config_rules)
    # The policy's rules are checked as serve checks them: every mistake, at its rule.
    cat >"$work/rules.yaml" <<YAML
plugins:
  directory: $plugins
suppression:
  rules:
    - {name: full, kind: soft_bounce, reason: mailbox_full, action: count, threshold: 3, window: 7d}
    - {name: typo, kind: hardbounce, action: suppress}
YAML
    run check-config --config "$work/rules.yaml"
    expect_rc 1
    expect_out "rules.yaml:5:7: suppression.rules.full.reason: 'mailbox_full' is not a reason"
    expect_out "rules.yaml:6:7: suppression.rules.typo.kind: 'hardbounce' is not an event kind"
    expect_out '2 problem\(s\)'
    ;;
check_config_postgres)
    cat >"$work/pg.yaml" <<YAML
storage:
  backend: postgres
  url: env:MAILGATE_CLI_TEST_DATABASE_URL
plugins:
  directory: $plugins
YAML
    unset MAILGATE_CLI_TEST_DATABASE_URL
    run check-config --config "$work/pg.yaml"
    expect_rc 1
    expect_out "pg.yaml:3:8: storage.url: environment variable MAILGATE_CLI_TEST_DATABASE_URL"
    MAILGATE_CLI_TEST_DATABASE_URL="host=db.invalid password=hunter2-secret" \
        run check-config --config "$work/pg.yaml"
    expect_rc 0
    expect_no_out 'hunter2-secret'
    ;;
check_config_secrets)
    cat >"$work/secrets.yaml" <<YAML
admin:
  token: env:MAILGATE_CLI_TEST_ADMIN_TOKEN
attribution:
  key: env:MAILGATE_CLI_TEST_ATTRIBUTION_KEY
plugins:
  directory: $plugins
YAML
    unset MAILGATE_CLI_TEST_ADMIN_TOKEN MAILGATE_CLI_TEST_ATTRIBUTION_KEY
    run check-config --config "$work/secrets.yaml"
    expect_rc 1
    expect_out "secrets.yaml:2:10: admin.token: environment variable MAILGATE_CLI_TEST_ADMIN_TOKEN"
    MAILGATE_CLI_TEST_ADMIN_TOKEN=admin-token-hunter2 MAILGATE_CLI_TEST_ATTRIBUTION_KEY=short \
        run check-config --config "$work/secrets.yaml"
    expect_rc 1
    expect_out "secrets.yaml:4:8: attribution.key: "
    expect_no_out 'admin-token-hunter2'
    MAILGATE_CLI_TEST_ADMIN_TOKEN=admin-token-hunter2 \
        MAILGATE_CLI_TEST_ATTRIBUTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= \
        run check-config --config "$work/secrets.yaml"
    expect_rc 0
    expect_out 'OK \(0 provider\(s\)\)'
    expect_no_out 'admin-token-hunter2'
    ;;
replay)
    cat >"$work/replay.yaml" <<YAML
storage:
  path: $work/var/mailgate.db
plugins:
  directory: $plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
YAML
    echo '[{"event":"hardbounce","data":[{"e":"A@Example.com","ts":1435322805},{"ts":1}]}]' \
        >"$work/body.json"
    run replay --config "$work/replay.yaml" --provider legacy "$work/body.json"
    expect_rc 0
    expect_out '"kind":"hard_bounce","email":"a@example.com","occurred_at_ms":1435322805000'
    expect_out '"suppression":"suppress","rule":"hard-bounce"'
    expect_out 'unprocessed: \{"event":"hardbounce","ts":1\} \(invalid email\)'
    echo '[{"event":"softbounce","data":[{"e":"b@example.com","ts":1435322805}]}]' >"$work/soft.json"
    run replay --config "$work/replay.yaml" --provider legacy "$work/soft.json"
    expect_out '"suppression":"count","rule":"repeated-soft-bounce"'
    expect_out 'dry run: nothing stored'
    [ ! -e "$work/var/mailgate.db" ] || fail "a dry run created the database"
    run replay --config "$work/replay.yaml" --provider legacy "$work/body.json" --apply
    expect_rc 0
    expect_out 'stored 1, duplicates 0'
    run replay --config "$work/replay.yaml" --provider legacy "$work/body.json" --apply
    expect_out 'stored 0, duplicates 1'
    run replay --config "$work/replay.yaml" --provider nobody "$work/body.json"
    expect_rc 1
    expect_out "no provider 'nobody'"
    echo 'not json' >"$work/bad.json"
    run replay --config "$work/replay.yaml" --provider legacy "$work/bad.json"
    expect_rc 1
    expect_out 'refused \(status 1\): Exception occurred while reading input stream'
    ;;
suppressions_import_export)
    cat >"$work/list.yaml" <<YAML
storage:
  path: $work/var/mailgate.db
plugins:
  directory: $plugins
YAML
    printf '%s\r\n' 'email,stream,reason,expires_at,note' \
        'Ann@Example.com,marketing,manual,2027-01-31T00:00:00Z,"moved, ""left"""' \
        'not an address,,,,' \
        '*@Example.org,,spam,,' \
        'bob@example.com,newsletter,,,' \
        'cy@example.com,transactional,,1801353600000,' >"$work/list.csv"
    run suppressions import "$work/list.csv" --config "$work/list.yaml" --by ops
    expect_rc 1
    expect_out '^taken 3, refused 2$'
    expect_out "^line 3: not an e-mail address 'not an address'"
    expect_out "^line 5: unknown stream 'newsletter'"
    run suppressions export "$work/out.jsonl" --config "$work/list.yaml"
    expect_rc 0
    expect_out 'exported 3 entries'
    grep -q '"email":"ann@example.com","stream":"marketing","reason":"manual","expires_at":"2027-01-31T00:00:00.000Z","note":"moved, \\"left\\"","provider":"","source":"import:ops"' \
        "$work/out.jsonl" || fail "export: $(cat "$work/out.jsonl")"
    [ "$(wc -l <"$work/out.jsonl")" = 3 ] || fail "export has $(wc -l <"$work/out.jsonl") lines"
    # The export re-imports without a refusal; --from-line skips what an earlier run applied.
    run suppressions import "$work/out.jsonl" --config "$work/list.yaml"
    expect_rc 0
    expect_out '^taken 3, refused 0$'
    run suppressions import "$work/list.csv" --config "$work/list.yaml" --from-line 4
    expect_rc 1
    expect_out '^taken 2, refused 1, skipped 2'
    run suppressions export - --format csv --stream transactional --config "$work/list.yaml"
    expect_rc 0
    expect_out '^email,stream,reason,expires_at,note,provider,source,created_at'
    expect_out '^cy@example.com,transactional,manual,2027-01-31T00:00:00.000Z,'
    expect_no_out '^ann@'
    run suppressions import "$work/list.txt" --config "$work/list.yaml"
    expect_rc 2
    expect_out 'say --format csv or --format jsonl'
    run suppressions frobnicate --config "$work/list.yaml"
    expect_rc 2
    expect_out '^usage: mailgate suppressions import'
    ;;
bounces_parse)
    printf '%s\r\n' 'From: MAILER-DAEMON@mx.example.org' 'Subject: Undelivered Mail Returned to Sender' \
        'MIME-Version: 1.0' \
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' '' \
        '--B' 'Content-Type: message/delivery-status' '' 'Reporting-MTA: dns; mx.example.org' '' \
        'Final-Recipient: rfc822; Jane@Example.net' 'Action: failed' 'Status: 5.1.1' \
        'Diagnostic-Code: smtp; 550 5.1.1 User unknown' '' '--B--' >"$work/dsn.eml"
    printf '%s\r\n' 'From: a@example.org' 'Subject: hello' '' 'just mail' >"$work/mail.eml"
    run bounces parse "$work/dsn.eml" "$work/mail.eml"
    expect_rc 0
    expect_out '"kind":"bounce","format":"rfc3464"'
    expect_out '"recipient":"Jane@Example.net","reason":"userunknown","hard":true,"smtp_code":550'
    expect_out '"attribution":\{"method":"none"'
    expect_out '"events":\[\{"kind":"hard_bounce","email":"jane@example.net","provider":"bounce-mail","reason":"userunknown","suppresses":false\}\]'
    expect_out '"kind":"not_bounce".*"file":"[^"]*mail.eml"'
    "$mailgate" bounces parse - <"$work/dsn.eml" >"$work/out" 2>&1 || fail "stdin"
    expect_out '"file":"-"'
    run bounces parse "$work/nothing.eml"
    expect_rc 1
    expect_out 'nothing.eml: cannot read'
    run bounces list
    expect_rc 2
    cat >"$work/bounces.yaml" <<YAML
storage:
  path: $work/var/mailgate.db
plugins:
  directory: $plugins
YAML
    run bounces parse --config "$work/bounces.yaml" --apply "$work/dsn.eml"
    expect_rc 0
    expect_out '"stored":1,"duplicates":0'
    run bounces parse --config "$work/bounces.yaml" --apply "$work/dsn.eml"
    expect_out '"stored":0,"duplicates":1'
    ;;
meta)
    cat >"$work/meta.yaml" <<YAML
attribution:
  key: env:MAILGATE_TEST_ATTRIBUTION_KEY
plugins:
  directory: $plugins
YAML
    export MAILGATE_TEST_ATTRIBUTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
    run meta --config "$work/meta.yaml" --email User@Example.com --message m1 --campaign spring
    expect_rc 0
    expect_out '^m1[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$'
    run meta --config "$work/meta.yaml" --email user@example.com --campaign "$(printf 'x%.0s' {1..41})"
    expect_rc 1
    expect_out 'longer than 40 bytes'
    printf 'plugins:\n  directory: %s\n' "$plugins" >"$work/nokey.yaml"
    run meta --config "$work/nokey.yaml" --email user@example.com
    expect_rc 1
    expect_out 'no attribution.key'
    ;;
examples)
    # Every example in config/examples/ passes check-config --strict once the operator's pieces
    # exist: a secrets key, the encrypted credentials, the environment variables it names, a
    # real SendGrid verification key (a P-256 public key, here the one of the official vectors).
    # The drivers come from the binary's own folder, as they do installed: no example names one.
    "$mailgate" secret generate-key >"$work/secret.key"
    password=$(printf 'an-api-key' | "$mailgate" secret encrypt --key-file "$work/secret.key")
    sg_key=$(grep -o '"public_key_b64": *"[^"]*"' \
        "$source/tests/fixtures/vectors/sendgrid-signed.json" | head -1 | sed 's/.*: *"//; s/"$//')
    export MAILGATE_ADMIN_TOKEN=admin-token-0123456789abcdef
    export MAILGATE_ATTRIBUTION_KEY=$("$mailgate" secret generate-key)
    export MAILGATE_MANDRILL_WEBHOOK_KEY=mandrill-webhook-key
    export MAILGATE_ESP_RELAY_CALLBACK_TOKEN=relay-callback-token-0123456789
    export MAILGATE_GMAIL_CALLBACK_TOKEN=gmail-callback-token-0123456789
    for example in "$source"/config/examples/*.yaml; do
        sed -e "s|file:/etc/mailgate/secret.key|file:$work/secret.key|" \
            -e "s|enc:v1:REPLACE-WITH-mailgate-secret-encrypt-OUTPUT|$password|" \
            -e "s|verification_key: .*REPLACE-WITH-YOUR-KEY|verification_key: $sg_key|" \
            -e "s|/etc/mailgate/tls/|$source/config/examples/|" \
            "$example" >"$work/example.yaml"
        run check-config --strict --config "$work/example.yaml"
        expect_rc 0
        expect_out 'OK \(1 provider\(s\)\)$'
        expect_no_out 'an-api-key|^warning: '
    done
    # Without the attribution key every send would fail: --strict says so, naming the fix.
    sed -e "s|file:/etc/mailgate/secret.key|file:$work/secret.key|" \
        -e "s|enc:v1:REPLACE-WITH-mailgate-secret-encrypt-OUTPUT|$password|" \
        -e "/^attribution:/,+1d" "$source/config/examples/gmail.yaml" >"$work/example.yaml"
    run check-config --strict --config "$work/example.yaml"
    expect_rc 1
    expect_out 'warning: no attribution.key: every message is refused.*mailgate secret generate-key'
    expect_out '1 warning\(s\), which --strict refuses'
    run check-config --config "$work/example.yaml"
    expect_rc 0
    expect_out 'OK \(1 provider\(s\)\), 1 warning\(s\)'
    ;;
check_config_warnings)
    # Warnings are what serve would log at start: plain-text secrets (named, never shown), an
    # http public URL for the system preference center, no admin token; json for CI.
    cat >"$work/warn.yaml" <<YAML
server:
  public_url: http://mail.example.com
attribution:
  key: bG9jYWwtdHJpYWwtYXR0cmlidXRpb24ta2V5LTMyYiE=
plugins:
  directory: $plugins
providers:
  - nickname: relay
    driver: smtp
    host: smtp.example.net
    port: 587
    scheme: starttls
    from_address: news@example.com
    preference_center: system
    password: hunter2-secret
YAML
    run check-config --config "$work/warn.yaml"
    expect_rc 0
    expect_out "warn.yaml:4:8: attribution.key is written in the file as it is"
    expect_out "warn.yaml:15:15: provider 'relay': option 'password' is written in the file"
    expect_out "provider 'relay': preference_center is system but the public URL \(http://mail.example.com\) is not https"
    expect_out "warning: no admin.token"
    expect_out 'OK \(1 provider\(s\)\), 4 warning\(s\)'
    expect_no_out 'hunter2-secret'
    run check-config --strict --format json --config "$work/warn.yaml"
    expect_rc 1
    expect_out '^\{"file":".*warn.yaml","ok":false,"providers":1,"problems":\[\],"warnings":\["no admin.token'
    expect_no_out 'hunter2-secret'
    ;;
unknown_command)
    run frobnicate
    expect_rc 2
    expect_out "unknown command 'frobnicate'"
    ;;
log_format_invalid)
    run --log-format xml plugins --plugins "$plugins"
    expect_rc 2
    expect_out 'log-format must be text or json'
    ;;
plugins_default_folder)
    # No configuration, another working folder: the drivers beside the binary (build tree).
    (cd "$work" && env -u MAILGATE_CONFIG "$mailgate" plugins >"$work/out" 2>&1; echo $? >"$work/rc")
    expect_rc 0
    expect_out "^plugins folder $plugins: 4 driver\\(s\\) loaded"
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok: $case_name"
