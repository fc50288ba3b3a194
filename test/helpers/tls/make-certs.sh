#!/bin/sh
# Regenerates the TEST-ONLY certificates in this directory (they protect nothing):
#   ca.pem                  a private test CA (the probe tests trust it through the prober's `ca` option)
#   valid.{pem,key}         127.0.0.1 + localhost, 2000-01-01 .. 2099-12-31
#   expired.{pem,key}       127.0.0.1 + localhost, 2000-01-01 .. 2001-01-01 (notAfter in the past)
#   other-host.{pem,key}    other.example only,    2000-01-01 .. 2099-12-31
# OpenSSL 3.0's `x509 -req` cannot set a notAfter in the past (-days must be positive, -not_after is
# 3.4+); `openssl ca -startdate/-enddate` can, on any OpenSSL. Usage: sh make-certs.sh [DIR]
set -eu
cd "${1:-$(dirname "$0")}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
mkdir -p "$work/db"
: > "$work/db/index.txt"
echo 01 > "$work/db/serial"
cat > "$work/ca.cnf" <<CNF
[ ca ]
default_ca = test
[ test ]
dir = $work/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_loopback ]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1,DNS:localhost
[ v3_other ]
basicConstraints = CA:FALSE
subjectAltName = DNS:other.example
CNF
key "$work/ca.key"
openssl req -new -key "$work/ca.key" -subj '/CN=nexus-top test CA' -out "$work/ca.csr"
openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$work/ca.key" -in "$work/ca.csr" -extensions v3_ca \
  -startdate 20000101000000Z -enddate 20991231000000Z -out "$work/ca.full.pem" 2>/dev/null
openssl x509 -in "$work/ca.full.pem" -out ca.pem
leaf() { # NAME CN EXTENSIONS START END
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$work/$1.csr"
  openssl ca -batch -config "$work/ca.cnf" -cert ca.pem -keyfile "$work/ca.key" -in "$work/$1.csr" -extensions "$3" \
    -startdate "$4" -enddate "$5" -out "$work/$1.full.pem" 2>/dev/null
  openssl x509 -in "$work/$1.full.pem" -out "$1.pem"
}
leaf valid 127.0.0.1 v3_loopback 20000101000000Z 20991231000000Z
leaf expired 127.0.0.1 v3_loopback 20000101000000Z 20010101000000Z
leaf other-host other.example v3_other 20000101000000Z 20991231000000Z
chmod 644 ./*.key ./*.pem
