# Conveniences; the README's two commands need no make.
.PHONY: run test bench bench-plain bench-mixed bench-memory bench-million bench-cleanup bench-go cluster bench-cluster bench-causal vendor

run:
	go run .

test:
	go test -race -count=1 ./...

# Returning visitors, 64 browsers (BENCHMARKS.md).
bench:
	go run ./tools/loadgen -browsers 64 -duration 20s -mix returning

# The same, asking for no compression (Accept-Encoding left out).
bench-plain:
	go run ./tools/loadgen -browsers 64 -duration 20s -mix returning -accept-encoding ''

bench-mixed:
	go run ./tools/loadgen -browsers 64 -duration 20s -mix mixed

bench-memory:
	go run ./tools/loadgen -browsers 256 -duration 20s -mix returning

bench-million:
	go run ./tools/loadgen -browsers 64 -fill 1000000

bench-cleanup:
	go run ./tools/loadgen -browsers 64 -cleanup 500000

bench-go:
	go test -run '^$$' -bench . -benchtime 2000x ./web/

# Rango on a three-node Galera cluster behind HAProxy (OPERATIONS.md):
# single- and multi-writer instances side by side, on :8080 and :8081.
cluster:
	go run ./tools/cluster -writer both

# With `make cluster` running in another terminal (BENCHMARKS.md).
bench-cluster:
	go run ./tools/loadgen -target http://127.0.0.1:8081 -browsers 64 -duration 20s -mix returning
	go run ./tools/loadgen -target http://127.0.0.1:8080 -browsers 64 -duration 20s -mix returning

# What a causal read (wsrep_sync_wait=1) costs; starts its own cluster.
bench-causal:
	go test -run '^$$' -bench SessionRead -count 3 -benchtime 3000x ./cluster/

vendor:
	tools/vendor/vendor.sh
