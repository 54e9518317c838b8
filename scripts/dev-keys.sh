# Development keys for `make run`, kept apart from the database file (var/veil.sqlite3) and
# any copy of var/: in VEIL_KEY_DIR, by default ~/.config/veil/keys (as config/settings.py).
# Source it, then call dev_keys_export: it exports VEIL_KEY_DIR, and SECRET_KEY_FILE unless
# SECRET_KEY or SECRET_KEY_FILE is already set, creating a random secret on first use.
# config/settings.py refuses keys in the database file's directory.

dev_keys_export() {
  local dir=${VEIL_KEY_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/veil/keys}
  (umask 077; mkdir -p "$dir")
  export VEIL_KEY_DIR="$dir"
  if [ -z "${SECRET_KEY:-}" ] && [ -z "${SECRET_KEY_FILE:-}" ]; then
    if [ ! -s "$dir/secret_key" ]; then
      (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > "$dir/secret_key")
    fi
    export SECRET_KEY_FILE="$dir/secret_key"
  fi
}
