# The kit's build rules for one lab, included by every labs/NN-name/Makefile.
#
# A lab's Makefile sets:
#   PROGRAMS     the programs to build; program P is built from P.cpp
#   COMMON_SRCS  (optional) sources linked into every program, e.g. TCP.cpp
#   HEADERS      (optional) headers every program depends on
# and then includes this file.
#
# Variables a caller may set:
#   OUT=dir      where the programs go (default: the lab folder itself)
#   SAN=list     build with sanitizers, e.g. SAN=address,undefined or SAN=thread
#   EXTRA_CXXFLAGS=...  added last (the kit's tests use -Werror on the reference)
#
# Warnings are feedback, never a build failure: there is no -Werror here.

CXX      ?= g++
OUT      ?= .
SAN      ?=
OPT      ?= -O1 -g

CXXFLAGS := -std=c++17 -Wall -Wextra $(OPT)
LDLIBS   := -pthread

ifneq ($(strip $(SAN)),)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
ifneq ($(findstring undefined,$(SAN)),)
SANFLAGS += -fno-sanitize-recover=undefined
endif
endif

CXXFLAGS += $(SANFLAGS) $(EXTRA_CXXFLAGS)
LDFLAGS  += $(SANFLAGS)

BINARIES := $(addprefix $(OUT)/,$(PROGRAMS))

.PHONY: all clean asan tsan
.DEFAULT_GOAL := all

all: $(BINARIES)

# -MMD is not used on purpose: a lab is a handful of files, and listing
# COMMON_SRCS and HEADERS as prerequisites keeps rebuilds correct.
$(OUT)/%: %.cpp $(COMMON_SRCS) $(HEADERS)
	@mkdir -p $(OUT)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -o $@ $< $(COMMON_SRCS) $(LDFLAGS) $(LDLIBS)

# Convenience targets for students: sanitizer builds in a folder of their own.
asan:
	$(MAKE) OUT=asan SAN=address,undefined

tsan:
	$(MAKE) OUT=tsan SAN=thread

clean:
	rm -f $(BINARIES)
	rm -rf asan tsan
