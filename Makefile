# Socket Lab Kit: the front door. `make help` lists the targets.

PYTHON     := /usr/bin/python3
SUBMISSION ?=
LAB        ?=
FORMAT     ?= text
OUTPUT     ?=
TRACE_DIR  ?= trace

GRADE_ARGS := $(if $(SUBMISSION),--submission $(SUBMISSION)) $(if $(LAB),--lab $(LAB)) \
              --format $(FORMAT) $(if $(OUTPUT),--output $(OUTPUT))

.PHONY: help setup grade check trace test test-python test-bats test-slides skeletons check-skeletons slides dist gradescope bench mutation clean

help:
	@echo "make grade [SUBMISSION=dir] [LAB=NN] [FORMAT=text|json|junit|markdown] [OUTPUT=file]"
	@echo "                      grade a submission (default: the reference solutions)"
	@echo "make check [LAB=NN]   grade your own work in labs/ (students)"
	@echo "make trace LAB=NN [SUBMISSION=dir]  run a lab's checks on your labs/ and show the network: the TCP"
	@echo "                      segments and states of every check (text), and trace/NN/report.html (drawings)"
	@echo "make test             the kit's own tests"
	@echo "make skeletons        regenerate labs/ from solutions/"
	@echo "make slides           build the slide decks (slides/build/*.html, and PDF with Chromium)"
	@echo "make dist             the student bundle: dist/socket-lab-kit.tar.gz (no solutions, no hidden checks)"
	@echo "make gradescope [LAB=NN] [TRUSTED=1]  the Gradescope autograder: dist/gradescope[-NN].zip"
	@echo "make bench            every reference server, Redis and an epoll floor under smop-bench: bench/results/latest.md"
	@echo "make mutation [LAB=NN] [JOBS=N]  plant classic mistakes in the solutions, grade each (JOBS at once,"
	@echo "                      default 2): which checks catch them, which survive (grader/mutation-ledger.md"
	@echo "                      explains those); report in $(MUTATION_REPORT)"
	@echo "scripts/grade-class DIR [--jobs N] [--out DIR]   grade a class (teachers; see README)"
	@echo "make setup            install the Debian packages the kit needs"

setup:
	@scripts/setup

grade: setup
	grader/grade $(GRADE_ARGS)

check: setup
	grader/grade --trusted --submission labs $(if $(LAB),--lab $(LAB))

# Every check of one lab, with the segments each one carried and the TCP states
# its connection went through: printed, and drawn in trace/NN/report.html.
trace: setup
	@test -n "$(LAB)" || { echo "usage: make trace LAB=NN [SUBMISSION=dir]   (default: your labs/)" >&2; exit 2; }
	grader/grade --trusted --submission $(or $(SUBMISSION),labs) --lab $(LAB) --trace --save $(TRACE_DIR)/$(LAB)
	@echo "make trace: the drawings are in $(TRACE_DIR)/$(LAB)/report.html"

skeletons:
	scripts/make-skeletons

check-skeletons:
	scripts/make-skeletons --check

test: setup check-skeletons test-python test-bats test-slides

# The student bundle has no kit tests (nor solutions): say so instead of failing obscurely.
KIT_TESTS := $(wildcard grader/tests)
ifeq ($(KIT_TESTS),)
test-python test-bats check-skeletons:
	@echo "make $@: the kit's own tests are not part of this copy of the kit (the student bundle)"; exit 1
endif

ifneq ($(KIT_TESTS),)
test-python:
	@scripts/setup class mutation
	$(PYTHON) -m pytest -q -p no:cacheprovider grader/tests

test-bats:
	@scripts/setup class
	bats tests
endif

# Chromium is optional: where it cannot be installed, the render test says SKIP.
test-slides:
	@scripts/setup slides
	@scripts/setup browser || echo "slides: Chromium could not be installed; the render test will be skipped"
	$(MAKE) -C slides test

slides:
	@scripts/setup slides
	@scripts/setup browser || echo "slides: Chromium could not be installed; building HTML only"
	$(MAKE) -C slides

bench:
	@scripts/setup bench
	$(PYTHON) bench/run-bench.py

# Mutation analysis of the checks (teachers): mutants of the solutions' SOLUTION
# regions, each graded; fails when a survivor is not explained in the ledger.
# A verdict is remembered (~/.cache/slk-mutation): a second run grades what changed.
MUTATION_REPORT ?= build/mutation/report.md
ifeq ($(wildcard grader/mutation),)
mutation:
	@echo "make mutation: the mutation tool is not part of this copy of the kit (the student bundle)"; exit 1
else
mutation: setup
	@scripts/setup mutation
	PYTHONPATH=grader $(PYTHON) -m mutation $(if $(LAB),--lab $(LAB)) --jobs $(or $(JOBS),2) --output $(MUTATION_REPORT)
endif

dist:
	PYTHONPATH=grader $(PYTHON) -m kit.packaging dist dist/socket-lab-kit.tar.gz

gradescope:
	PYTHONPATH=grader $(PYTHON) -m kit.packaging gradescope dist/gradescope$(if $(LAB),-$(LAB)).zip $(if $(LAB),--lab $(LAB)) $(if $(TRUSTED),--trusted)

clean:
	for lab in labs/*/; do $(MAKE) -s -C $$lab clean; done
	$(MAKE) -s -C slides clean
