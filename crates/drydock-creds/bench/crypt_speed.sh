#!/bin/sh
# Times libxcrypt (the library behind mkpasswd and login) next to drydock's crackers.
# Needs gcc and libcrypt-dev. Usage: bench/crypt_speed.sh [SECONDS_PER_SCHEME]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
gcc -O2 -o "$out/crypt_speed" "$here/crypt_speed.c" -lcrypt
"$out/crypt_speed" "${1:-1}"
