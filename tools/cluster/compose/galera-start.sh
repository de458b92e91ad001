#!/bin/bash
# Entry point of the Galera nodes in docker-compose.yml's cluster profile:
# decides how this node starts, then hands over to the mariadb image's own
# entry point (docker-entrypoint.sh mariadbd ...).
#
# - GALERA_BOOTSTRAP=1 (galera-1) and an empty data directory: the very
#   first start; initialise (root password, the rango database) and start a
#   new cluster.
# - grastate.dat says safe_to_bootstrap: 1: this node left the cluster
#   last, after every node was stopped cleanly; it starts the cluster again.
# - Otherwise join the others. An empty data directory gets a marker so
#   that the image does not initialise it: the state transfer fills it.
set -euo pipefail

datadir=/var/lib/mysql
args=("$@")
if [[ ! -e "$datadir/grastate.dat" && ! -d "$datadir/mysql" ]]; then
	if [[ "${GALERA_BOOTSTRAP:-0}" == 1 ]]; then
		echo "galera-start: first start of the first node: new cluster"
		args+=(--wsrep-new-cluster)
	else
		echo "galera-start: empty node: joining by state transfer"
		mkdir -p "$datadir/mysql"
		chown -R mysql:mysql "$datadir"
	fi
elif grep -q '^safe_to_bootstrap: *1' "$datadir/grastate.dat" 2>/dev/null; then
	echo "galera-start: this node left last: starting the cluster again"
	args+=(--wsrep-new-cluster)
fi
exec docker-entrypoint.sh mariadbd "${args[@]}"
