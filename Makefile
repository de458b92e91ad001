# Conveniences; the README's two commands need no make.
.PHONY: run test bench bench-plain bench-mixed bench-memory bench-million bench-cleanup bench-go vendor

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

vendor:
	tools/vendor/vendor.sh
