#!/usr/bin/env bash
# A venue's own HTTPS certificate, for a server on a laptop at the venue (phones on its wifi, no
# internet, so no public certificate authority can vouch for it):
#
#   scripts/venue_cert.sh DIR NAME_OR_IP...      e.g. scripts/venue_cert.sh /etc/ingia/tls ingia.local 192.168.8.10
#
# writes into DIR:
#   ca.pem    the venue's certificate authority: install it once on each phone
#             (Android: Settings > Security > Encryption & credentials > Install a certificate >
#             CA certificate; Chrome then trusts the server). It can vouch ONLY for the names and
#             addresses given here (X.509 name constraints): a stolen ca.key cannot make a
#             certificate for any other site those phones visit.
#   ca.key    its key (mode 600): keep it off the server; needed only to renew cert.pem
#   cert.pem  the server's certificate (397 days) for the names and addresses, and
#   key.pem   its key (mode 600): serve with --tls-cert DIR/cert.pem --tls-key DIR/key.pem
#
# Run again with the same DIR to renew cert.pem and key.pem under the same ca.pem (phones keep
# trusting it); remove DIR to start over. Needs only openssl (scripts/setup.sh browser installs it).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NAME_OR_IP..." >&2
  exit 2
fi
dir=$1
shift
umask 077
mkdir -p "$dir"
san=() permitted=()
for name in "$@"; do
  if [[ $name =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    san+=("IP:$name")
    permitted+=("permitted;IP:$name/255.255.255.255")
  elif [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
    san+=("DNS:$name")
    permitted+=("permitted;DNS:$name")
  else
    echo "$0: '$name' is neither a host name nor an IPv4 address" >&2
    exit 2
  fi
done
join() { local IFS=,; echo "$*"; }

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/O=Ingia venue/CN=Ingia venue CA $(date -u +%Y-%m-%d)" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "nameConstraints=critical,$(join "${permitted[@]}")" 2>/dev/null
  echo "made $dir/ca.pem (install it on each phone once)"
fi

ext=$(mktemp)
trap 'rm -f "$ext" "$dir/cert.csr"' EXIT
cat > "$ext" <<CNF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$(join "${san[@]}")
CNF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
  -subj "/CN=$1" -keyout "$dir/key.pem" -out "$dir/cert.csr" 2>/dev/null
openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 397 -sha256 -extfile "$ext" -out "$dir/cert.pem" 2>/dev/null
chmod 644 "$dir/ca.pem" "$dir/cert.pem"
echo "made $dir/cert.pem and $dir/key.pem for $*"
