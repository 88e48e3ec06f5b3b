# Everyday targets; CI runs .ci/run.
FUZZTIME ?= 30s

.PHONY: build test vet bench fuzz golden fixtures whole

build:
	go build -o badgw ./cmd/badgw

test:
	go test -race ./...

vet:
	gofmt -l $$(git ls-files '*.go')
	go vet ./...

# Compare two builds with: make bench > new.txt; benchstat old.txt new.txt
bench:
	go test -run '^$$' -bench . -benchmem -count 6 ./input ./logparse ./correlate

# Runs every fuzz target for FUZZTIME each (CI runs 100000x each).
fuzz:
	FUZZTIME=$(FUZZTIME) .ci/fuzz

golden:
	go test ./report ./tui -update

fixtures:
	go run ./fixtures/gen

whole: build
	bench/whole.sh
