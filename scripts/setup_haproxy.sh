# Sourced by test.sh and cluster.sh: the production topology (scripts/cluster.py) puts Debian's
# HAProxy in front of the web processes. Installs it when missing; failing to is an error.
if ! command -v haproxy >/dev/null 2>&1 && ! [ -x /usr/sbin/haproxy ]; then
    echo "setup: installing Debian's haproxy for the production topology"
    _sudo=""
    [ "$(id -u)" -eq 0 ] || _sudo="sudo"
    { $_sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq haproxy >/dev/null; } \
        || { echo "setup: could not install haproxy (apt-get install haproxy)" >&2; return 1; }
    unset _sudo
fi
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || { echo "setup: haproxy is still missing" >&2; return 1; }
