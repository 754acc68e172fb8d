# Thin wrappers over npm scripts. `make check` = typecheck + tests.
.PHONY: install build test typecheck lint bench graphs clean check run

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
	node dist/../bench/run.js 2>/dev/null || npx ts-node --transpile-only bench/run.ts

graphs: build
	mkdir -p out
	node dist/cli.js compare --device nds --svg-dir out

clean:
	rm -rf dist out .cache
