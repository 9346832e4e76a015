# aesim - end-to-end learned communication systems, simulated in C11.
# Targets: all (default), deps, run, test, bench, lint, format, clean. `make help` lists them.

CC      ?= gcc
PKGS    := gsl fftw3f openblas libconfig jansson
# GSL's pkg-config adds -lgslcblas: drop it, OpenBLAS provides cblas.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(filter-out -lgslcblas,$(shell pkg-config --libs $(PKGS) 2>/dev/null))
TEST_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

WARN    := -Wall -Wextra -Wshadow
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
endif
OMPFLAGS := -fopenmp
ifeq ($(NO_OMP),1)
OMPFLAGS :=
endif
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_DEFAULT_SOURCE $(WARN) $(OMPFLAGS) $(SANFLAGS) -MMD -MP \
           -Icommon -Imodels -Ichannels -Isim $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) -lm
LDFLAGS += $(OMPFLAGS) $(SANFLAGS)

BUILD   := build
LIB_SRC := $(wildcard common/*.c models/*.c channels/*.c) $(filter-out sim/main.c,$(wildcard sim/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC := $(wildcard bench/*.c)

DEB_PKGS := gcc make pkg-config libgsl-dev libfftw3-dev libopenblas-dev libconfig-dev libjansson-dev \
            libcriterion-dev gnuplot-nox

CONFIG  ?= experiments/oshea_7_4.cfg
THREADS ?= 2

.PHONY: all deps run test bench lint format format-check clean help

all: aesim

help:
	@echo "make deps    install missing Debian packages (apt-get; as root)"
	@echo "make         build ./aesim"
	@echo "make run     train and evaluate $(CONFIG) (results/ and a plot)"
	@echo "make test    build and run the Criterion test suite"
	@echo "make bench   speed benchmarks (apart from the tests)"
	@echo "make lint    cppcheck and clang-tidy;  make format: clang-format in place"
	@echo "options: WERROR=1 SANITIZE=1 NO_OMP=1 THREADS=N CONFIG=file"

# Install what is missing; print the apt-get line when not root.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
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

aesim: $(BUILD)/sim/main.o $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libaesim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/test_aesim: $(TEST_OBJ) $(BUILD)/libaesim.a
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

run: deps
	$(MAKE) aesim
	./aesim run $(CONFIG) --threads $(THREADS)

test: deps
	$(MAKE) aesim $(BUILD)/test_aesim
	AESIM_BIN=$(CURDIR)/aesim AESIM_ROOT=$(CURDIR) $(BUILD)/test_aesim --jobs $(THREADS)

bench: deps
	$(MAKE) aesim
	@echo "benchmarks: see bench/README.md"

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  --suppress=missingIncludeSystem --inline-suppr -Icommon -Imodels -Ichannels -Isim \
	  common models channels sim
	clang-tidy --quiet $(LIB_SRC) sim/main.c -- -std=c11 -D_DEFAULT_SOURCE \
	  -Icommon -Imodels -Ichannels -Isim $(PKG_CFLAGS)

format:
	clang-format -i $(wildcard common/*.[ch] models/*.[ch] channels/*.[ch] sim/*.[ch] tests/*.[ch] bench/*.[ch])

format-check:
	clang-format --dry-run --Werror $(wildcard common/*.[ch] models/*.[ch] channels/*.[ch] sim/*.[ch] tests/*.[ch] bench/*.[ch])

clean:
	rm -rf $(BUILD) aesim

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILD)/sim/main.d
