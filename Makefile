# aesim - end-to-end learned communication systems, simulated in C11.
# Targets: all (default), deps, run, test, test-fast, bench, fuzz, lint, format, clean. `make help` lists them.

CC      ?= gcc
comma   := ,
PKGS    := gsl fftw3f openblas libconfig jansson
# OpenBLAS: Debian's OpenMP build (libopenblas-openmp-dev), found through its own pkg-config folder and
# kept at run time by an rpath (libopenblas.so.0 is otherwise whichever variant the system's alternatives
# pick). aesim runs its own OpenMP threads around small products and OpenBLAS runs single-threaded inside
# them; the pthread build keeps worker threads of its own that spin between calls and take the cores
# aesim's threads need, and the serial build is not safe to call from several threads at once. Without
# the OpenMP build the default openblas is used.
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
BLAS_DIR   := $(wildcard /usr/lib/$(MULTIARCH)/openblas-openmp)
BLAS_PC    := $(if $(BLAS_DIR),PKG_CONFIG_PATH=$(BLAS_DIR)/pkgconfig$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH})
# GSL's pkg-config adds -lgslcblas: drop it, OpenBLAS provides cblas.
PKG_CFLAGS := $(shell $(BLAS_PC) pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(filter-out -lgslcblas,$(shell $(BLAS_PC) pkg-config --libs $(PKGS) 2>/dev/null)) \
              $(if $(BLAS_DIR),-Wl$(comma)-rpath$(comma)$(BLAS_DIR))
TEST_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

WARN    := -Wall -Wextra -Wshadow
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
endif
OMPFLAGS := -fopenmp
ifeq ($(MPI),1)
MPIFLAGS := -DAESIM_MPI
endif
ifeq ($(NO_OMP),1)
OMPFLAGS :=
endif
CFLAGS  ?= -O2 -g
# -fno-trapping-math: aesim never reads the floating-point exception flags, so float selects (ReLU,
# clamps) may be evaluated for every lane and the loops that hold them vectorise; values are unchanged.
CFLAGS  += -fno-trapping-math -std=c11 -D_DEFAULT_SOURCE $(WARN) $(OMPFLAGS) $(MPIFLAGS) $(SANFLAGS) -MMD -MP \
           -Icommon -Imodels -Ichannels -Isim $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lm
LDFLAGS += $(OMPFLAGS) $(SANFLAGS)

# Each flag set builds in its own folder, so `make SANITIZE=1 test` after a plain build rebuilds.
BUILD   := build
ifeq ($(SANITIZE),1)
BUILD   := $(BUILD)/asan
endif
ifeq ($(NO_OMP),1)
BUILD   := $(BUILD)/noomp
endif
ifeq ($(MPI),1)
BUILD   := $(BUILD)/mpi
CC      := mpicc
endif
BIN     := $(if $(filter build,$(BUILD)),aesim,$(BUILD)/aesim)
LIB_SRC := $(wildcard common/*.c models/*.c channels/*.c) $(filter-out sim/main.c,$(wildcard sim/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC := $(wildcard bench/*.c)

MPI_PKGS := libopenmpi-dev openmpi-bin
DEB_PKGS := gcc make pkg-config libgsl-dev libfftw3-dev libopenblas-openmp-dev libconfig-dev libjansson-dev \
            libcriterion-dev gnuplot-nox python3-numpy

CONFIG  ?= experiments/oshea_7_4.cfg
THREADS ?= 2

.PHONY: all deps bench-deps fuzz-deps install-missing run test test-fast test-mpi memcheck bench fuzz fuzz-build lint \
        format format-check clean help install constellations

all: $(BIN)

help:
	@echo "make deps    install missing Debian packages (apt-get; as root)"
	@echo "make         build ./aesim"
	@echo "make run     train and evaluate $(CONFIG) (results/ and a plot); options of aesim run in"
	@echo "             ARGS, e.g. make run ARGS=\"--restart --progress\""
	@echo "make test    build and run the Criterion test suite"
	@echo "make test-fast   the same without the slow tests (those marked SLOW_TEST())"
	@echo "make bench   speed benchmarks (apart from the tests)"
	@echo "make fuzz FUZZ_SECONDS=60   libFuzzer on the config and checkpoint readers (clang)"
	@echo "make lint    cppcheck and clang-tidy;  make format: clang-format in place"
	@echo "make install PREFIX=/usr/local   binary, headers, libaesim.a, aesim.pc, man page"
	@echo "make test-mpi   build with MPI=1 and check that 2 ranks give the counts of one process"
	@echo "make constellations   rewrite docs/constellations.md and README's label tables from the modems"
	@echo "options: WERROR=1 SANITIZE=1 NO_OMP=1 MPI=1 THREADS=N CONFIG=file ARGS=\"aesim run options\""

BENCH_PKGS := $(DEB_PKGS) g++ libliquid-dev libitpp-dev python3-torch

# Install what is missing; print the apt-get line when not root.
deps:
	@$(MAKE) -s install-missing PKGS_WANTED="$(DEB_PKGS) $(if $(filter 1,$(MPI)),$(MPI_PKGS))"

bench-deps:
	@$(MAKE) -s install-missing PKGS_WANTED="$(BENCH_PKGS)"

install-missing:
	@missing=""; for p in $(PKGS_WANTED); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "missing packages; run as root:"; \
	  echo "  apt-get update && apt-get install -y$$missing"; exit 1; \
	fi

# the commit the binary is built from, for metadata.json
GIT_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# the LDPC decoder's check-node loops: vectorised, with glibc's vector expm1f/logf (no errno to set)
$(BUILD)/models/ldpc5g_dec.o: CFLAGS += -O3 -fno-math-errno
$(BUILD)/sim/main.o: CFLAGS += -DAESIM_GIT_COMMIT='"$(GIT_COMMIT)"'

$(BIN): $(BUILD)/sim/main.o $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ifneq ($(BIN),aesim)
aesim: $(BIN)
.PHONY: aesim
endif

$(BUILD)/libaesim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/test_aesim: $(TEST_OBJ) $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

run: deps
	$(MAKE) $(BIN)
	./$(BIN) run $(CONFIG) --threads $(THREADS) $(ARGS)

# make test runs every test (AESIM_TEST_FAST=0 whatever the environment says); make test-fast skips the
# slow ones, those whose first statement is SLOW_TEST() (tests/test_util.h), and says how many.
# Under the sanitizers an allocation that cannot be made returns NULL, as it does without them, so that
# the tests of out-of-memory paths run the code they check.
TEST_RUN = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp ASAN_OPTIONS=allocator_may_return_null=1 AESIM_BIN=$(CURDIR)/$(BIN) AESIM_ROOT=$(CURDIR)

test: deps
	$(MAKE) $(BIN) $(BUILD)/test_aesim
	$(TEST_RUN) AESIM_TEST_FAST=0 $(BUILD)/test_aesim --jobs $(THREADS)

test-fast: deps
	$(MAKE) $(BIN) $(BUILD)/test_aesim
	@echo "test-fast: skipping the $$(cat tests/*.c | grep -c '^ *SLOW_TEST();') slow tests (SLOW_TEST(); make test runs them)"
	$(TEST_RUN) AESIM_TEST_FAST=1 $(BUILD)/test_aesim --jobs $(THREADS)

# valgrind memcheck on a short experiment that touches every system type and an OFDM link
memcheck: deps
	$(MAKE) $(BIN)
	valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	  -q ./$(BIN) run tests/memcheck.cfg --out $(BUILD)/memcheck --threads 1 --quiet --restart
	@echo "memcheck: clean"

# 2 ranks on loopback against one process, same seed: identical counts (CI runs it)
test-mpi:
	$(MAKE) deps MPI=1
	$(MAKE) MPI=1 build/mpi/aesim
	tests/mpi_check.sh build/mpi/aesim

bench: bench-deps
	$(MAKE) $(BIN) $(BUILD)/bench_ber $(BUILD)/bench_ofdm $(BUILD)/bench_ae $(BUILD)/bench_cpu
	bench/run.sh $(BUILD)/bench_ber $(BUILD)/bench_ofdm $(BUILD)/bench_ae $(BUILD)/bench_cpu

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --suppress=missingIncludeSystem --inline-suppr -Icommon -Imodels -Ichannels -Isim \
	  common models channels sim fuzz tools
	clang-tidy --quiet $(LIB_SRC) sim/main.c $(wildcard fuzz/*.c) $(wildcard tools/*.c) -- -std=c11 -D_DEFAULT_SOURCE \
	  -Icommon -Imodels -Ichannels -Isim $(PKG_CFLAGS)

FORMAT_SRC := $(wildcard common/*.[ch] models/*.[ch] channels/*.[ch] sim/*.[ch] tests/*.[ch] bench/*.[ch] \
                        fuzz/*.[ch] tools/*.[ch])

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	clang-format --dry-run --Werror $(FORMAT_SRC)

$(BUILD)/bench_%: $(BUILD)/bench/bench_%.o $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The label tables of docs/constellations.md and of README.md (between its "label tables" markers), printed
# by tools/constellations.c from the tables the modems transmit; tests/test_modem.c checks both against them.
$(BUILD)/constellations: $(BUILD)/tools/constellations.o $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

constellations: $(BUILD)/constellations
	$(BUILD)/constellations > docs/constellations.md.tmp && mv docs/constellations.md.tmp docs/constellations.md
	$(BUILD)/constellations --layouts > $(BUILD)/constellations-layouts.md
	awk -v f=$(BUILD)/constellations-layouts.md \
	  'BEGIN { while ((getline l < f) > 0) t = t l "\n" } \
	   /^<!-- label tables: end/ { skip = 0 } !skip { print } \
	   /^<!-- label tables: begin/ { printf "%s", t; skip = 1 }' README.md > README.md.tmp && mv README.md.tmp README.md

# libFuzzer harnesses for the readers of untrusted input (fuzz/fuzz_*.c), built with clang and
# ASan + UBSan in build/fuzz/, without OpenMP (clang's needs libomp; the pragmas are then ignored).
# `make fuzz` runs each for FUZZ_SECONDS on a copy of its seed corpus (fuzz/corpus/*, which stays
# as committed) and fails on the first crash, leak or UB report; the input is left in build/fuzz/.
FUZZ_PKGS    := clang libclang-rt-14-dev llvm $(filter-out gcc gnuplot-nox python3-numpy libcriterion-dev,$(DEB_PKGS))
FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 $(FUZZ_SAN) -std=c11 -D_DEFAULT_SOURCE $(WARN) -Wno-unknown-pragmas -MMD -MP \
                -Icommon -Imodels -Ichannels -Isim $(PKG_CFLAGS)
FUZZ_BUILD   := build/fuzz
FUZZ_TARGETS := config checkpoint
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SECONDS ?= 60

fuzz-deps:
	@$(MAKE) -s install-missing PKGS_WANTED="$(FUZZ_PKGS)"

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-deps
	$(MAKE) fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  rm -rf $(FUZZ_BUILD)/corpus-$$t && cp -r fuzz/corpus/$$t $(FUZZ_BUILD)/corpus-$$t && \
	  mkdir -p $(FUZZ_BUILD)/crash-$$t && \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s on $(FUZZ_BUILD)/corpus-$$t" && \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/fuzz/lsan.supp:print_suppressions=0 \
	  $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=20 \
	    -dict=fuzz/$$t.dict -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crash-$$t/ \
	    $(FUZZ_BUILD)/corpus-$$t || { echo "fuzz_$$t found a failure: see $(FUZZ_BUILD)/crash-$$t/"; exit 1; }; \
	done

# objects of a pattern-rule link: keep them between builds
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%.o)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/.*AESIM_VERSION "\(.*\)"/\1/p' sim/version.h)

# the binary, the headers, the static library, a pkg-config file and the man page
install: $(BIN) $(BUILD)/libaesim.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/aesim $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/aesim
	install -m 644 common/*.h models/*.h channels/*.h sim/*.h $(DESTDIR)$(PREFIX)/include/aesim/
	install -m 644 $(BUILD)/libaesim.a $(DESTDIR)$(PREFIX)/lib/libaesim.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' docs/aesim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/aesim.pc
	install -m 644 docs/aesim.1 $(DESTDIR)$(PREFIX)/share/man/man1/aesim.1

clean:
	rm -rf build aesim

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/sim/main.d $(BUILD)/bench/bench_ber.d $(BUILD)/bench/bench_ofdm.d $(BUILD)/bench/bench_ae.d \
  $(BUILD)/bench/bench_cpu.d $(BUILD)/tools/constellations.d
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%.d)
