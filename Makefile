# Thin wrappers: scripts/dev.py does the work and needs nothing but python3.
.PHONY: run test bench
run:
	python3 scripts/dev.py run
test:
	python3 scripts/dev.py test
bench:
	python3 scripts/dev.py bench
