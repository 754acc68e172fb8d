# Thin wrappers over npm scripts. `make check` = typecheck + tests.
.PHONY: install build test typecheck lint bench graphs clean check run soak mutate

install:
	npm ci

build:
	npm run build

test:
	npm test

typecheck:
	npm run typecheck

lint: typecheck

check: typecheck test

run: build
	node dist/cli.js --device nds

bench: build
	for f in bench/*.bench.ts; do echo "== $$f"; TS_NODE_TRANSPILE_ONLY=true npx ts-node $$f || exit 1; done

graphs: build
	mkdir -p out
	node dist/cli.js compare --device nds --svg-dir out --no-min-heap

clean:
	rm -rf dist out .cache

# Soak: SOAK_OPS seeded random ops per allocator under --check: what each op touched after every
# op, the whole heap every SOAK_CHECK_EVERY ops (bench/soak.md).
SOAK_OPS ?= 10M
SOAK_SEED ?= 1
SOAK_CHECK_EVERY ?= 1000
soak: build
	node dist/cli.js soak --ops $(SOAK_OPS) --seed $(SOAK_SEED) --check-every $(SOAK_CHECK_EVERY)

# Mutation testing over src/alloc, src/sim, src/metrics (scripts/mutate.ts; bench/mutation.md).
# The default is the recorded measurement: a seeded stratified sample of 200 mutants.
MUTATE_ARGS ?= --sample 200 --seed 15 --jobs 2
mutate:
	TS_NODE_TRANSPILE_ONLY=true nice -n 10 npx ts-node scripts/mutate.ts $(MUTATE_ARGS)
