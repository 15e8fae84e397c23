#!/usr/bin/env bash
# Send the seed plans' reminders through a real Postfix with strict checks and verify what arrived.
#
# What it sets up: a private Postfix instance (own config, queue and Maildirs under $DIR; smtpd
# on 127.0.0.1:<free port>; no relayhost, default_transport=error so nothing leaves the machine)
# that accepts the seed contacts' domains as virtual mailbox domains, every seed address but
# $REFUSED, and enforces: HELO required and fully qualified, strict RFC 821 envelopes, FQDN
# sender, unlisted recipients refused, reject_unauth_pipelining, STARTTLS required
# (self-signed cert), and SASL AUTH PLAIN/LOGIN (Cyrus sasldb) when saslpasswd2 is installed.
# Then, in a fresh data folder with the seed config: `kehoach sync --year 2026` and a real
# `kehoach dispatch --now $NOW` against it.
#
# Run (as root, from the repository, with its venv): sudo benchmarks/postfix_check.sh
#   env: DIR (/tmp/kehoach-postfix-check), NOW (2026-10-01T08:05:00+07:00),
#        REFUSED (an address Postfix must refuse), PIPELINING=no (Postfix hides PIPELINING).
# Prints: the Postfix version and restrictions, the dispatch summary, then delivered/refused
# counts; exits 1 when a message or address is missing, a file does not parse, the log shows
# improper pipelining or an unexpected reject. The instance is stopped at the end.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${DIR:-/tmp/kehoach-postfix-check}
NOW=${NOW:-2026-10-01T08:05:00+07:00}
REFUSED=${REFUSED:-tgpl.tonghop@stp-dongthap.example}
PIPELINING=${PIPELINING:-yes}
PY="$REPO/.venv/bin/python"
PASSWORD='mật-khẩu-thử'

postfix -c "$DIR" stop 2>/dev/null || true
rm -rf "$DIR" && mkdir -p "$DIR"/{spool,data,mail,sasl,kehoach}
chown postfix:postfix "$DIR/data" "$DIR/mail"
PORT=$("$PY" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout "$DIR/key.pem" -out "$DIR/cert.pem" \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
grep -ohE '[A-Za-z0-9._-]+@[a-z0-9.-]+\.(example|test)' "$REPO"/config/contacts.yaml "$REPO"/config/plans/*.yaml \
  | sort -u > "$DIR/addresses"
grep -vxF "$REFUSED" "$DIR/addresses" | awk '{split($1, a, "@"); print $1, a[2] "/" a[1] "/"}' > "$DIR/vmailbox"
# master.cf: the distribution's, with smtpd on our port and no chroot
awk -v port="$PORT" '/^[a-z]/ && NF >= 8 { if ($1 == "smtp" && $2 == "inet") $1 = "127.0.0.1:" port; $5 = "n" } 1' \
  /etc/postfix/master.cf > "$DIR/master.cf"
AUTH=none
cat > "$DIR/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $DIR/spool
data_directory = $DIR/data
myhostname = kehoach-check.localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
relayhost =
default_transport = error:delivery outside this check is disabled
relay_transport = error:delivery outside this check is disabled
virtual_mailbox_domains = $(sed 's/.*@//' "$DIR/addresses" | sort -u | tr '\n' ' ')
virtual_mailbox_maps = texthash:$DIR/vmailbox
virtual_mailbox_base = $DIR/mail
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
alias_maps =
maillog_file = $DIR/maillog
maillog_file_prefixes = $DIR
smtpd_helo_required = yes
strict_rfc821_envelopes = yes
smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname
smtpd_sender_restrictions = reject_non_fqdn_sender
smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unlisted_recipient, reject_unauth_destination
smtpd_relay_restrictions = reject_unauth_destination
smtpd_data_restrictions = reject_unauth_pipelining
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $DIR/cert.pem
smtpd_tls_key_file = $DIR/key.pem
smtpd_tls_loglevel = 1
EOF
[ "$PIPELINING" = no ] && postconf -c "$DIR" -e "smtpd_discard_ehlo_keywords = pipelining"
if command -v saslpasswd2 >/dev/null; then
  AUTH=kehoach
  printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
    "$DIR/sasldb2" > "$DIR/sasl/smtpd.conf"
  printf '%s' "$PASSWORD" | saslpasswd2 -p -c -f "$DIR/sasldb2" -u kehoach.example kehoach
  chown postfix:postfix "$DIR/sasldb2"
  postconf -c "$DIR" -e "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" "smtpd_sasl_path = smtpd" \
    "cyrus_sasl_config_path = $DIR/sasl" "smtpd_sasl_local_domain = kehoach.example" "smtpd_tls_auth_only = yes" \
    "smtpd_sender_restrictions = reject_non_fqdn_sender, permit_sasl_authenticated, reject"
fi
postfix -c "$DIR" check
trap 'postfix -c "$DIR" stop >/dev/null 2>&1' EXIT
postfix -c "$DIR" start 2>/dev/null
echo "Postfix $(postconf -d -h mail_version) on 127.0.0.1:$PORT, AUTH: $AUTH"
postconf -c "$DIR" -n | grep -E '^(smtpd_(helo|sender|recipient|relay|data)_restrictions|strict_rfc821|smtpd_helo_required|smtpd_tls_security_level|smtpd_discard)'

export KEHOACH_DATA_DIR="$DIR/kehoach" PREFECT_HOME="$DIR/prefect" KEHOACH_SMTP_HOST=127.0.0.1 \
  KEHOACH_SMTP_PORT="$PORT" KEHOACH_SMTP_STARTTLS=true SSL_CERT_FILE="$DIR/cert.pem"
[ "$AUTH" != none ] && export KEHOACH_SMTP_USERNAME="$AUTH" KEHOACH_SMTP_PASSWORD="$PASSWORD"
"$REPO/.venv/bin/kehoach" sync --year 2026 >/dev/null
"$REPO/.venv/bin/kehoach" dispatch --now "$NOW" --json > "$DIR/dispatch.json" || true
sleep 3  # the virtual agent delivers what smtpd queued

"$PY" - "$DIR" "$REFUSED" "$REPO/config/contacts.yaml" <<'EOF'
"""Every sent row's unit got its message at each address but the refused one, intact."""
import email, json, pathlib, re, sqlite3, sys
from email import policy
import yaml

d, refused, contacts = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
run = json.loads((d / "dispatch.json").read_text())
print({k: run[k] for k in ("claimed", "messages", "sent", "failed", "retried", "skipped")}, run["errors"] or "")
emails = {u["id"]: u.get("emails", []) for u in yaml.safe_load(open(contacts))["units"]}
db = sqlite3.connect(d / "kehoach" / "kehoach.db")
sent = db.execute("select distinct provider_id, unit from outbox where channel='email' and status='sent'").fetchall()
expected = {(mid, a) for mid, unit in sent for a in emails[unit] if a != refused}
delivered, problems = set(), []
for f in (d / "mail").glob("*/*/new/*"):
    msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
    delivered.add((msg["Message-ID"], f"{f.parts[-3]}@{f.parts[-4]}"))
    subject = msg["Subject"]
    if msg.defects or subject.defects or not re.search(r"[À-ỹ]", str(subject)):
        problems.append(f"{f.name}: defects {msg.defects or subject.defects}, subject {subject!r}")
    for part in msg.walk():
        if not part.is_multipart():
            part.get_content()
log = (d / "maillog").read_text()
rejects = [l for l in log.splitlines() if "reject:" in l and f"<{refused}>" not in l]
for name, bad in (("missing", expected - delivered), ("unexpected", delivered - expected),
                  ("unexpected rejects", rejects), ("not delivered", re.findall(r"status=(?:deferred|bounced).*", log)),
                  ("improper pipelining", re.findall(r".*improper command pipelining.*", log)), ("bad files", problems)):
    if bad:
        print(f"FAIL {name}: {len(bad)}", *sorted(bad)[:5], sep="\n  ")
refused_unit = next(u for u, addresses in emails.items() if refused in addresses)
recorded = db.execute("select status, last_error, count(*) from outbox where channel='email' and unit=? "
                      "and status in ('sent', 'failed') group by 1, 2", [refused_unit]).fetchall()
print(f"rows of {refused_unit} (status, error, count): {recorded}")
print(f"delivered {len(delivered)} (messages {len({m for m, _ in delivered})}), "
      f"refused at RCPT {log.count(f'<{refused}>: Recipient address rejected')} ({refused}); "
      f"helo {sorted(set(re.findall(r'helo=<([^>]*)>', log)))}; TLS sessions {log.count('TLS connection established')}; "
      f"AUTH {len(re.findall(r'sasl_method=', log))}")
ok = delivered == expected and not (rejects or problems or "improper command pipelining" in log
                                    or re.search(r"status=(?:deferred|bounced)", log) or run["failed"])
print("OK" if ok else "FAILED")
sys.exit(0 if ok else 1)
EOF
