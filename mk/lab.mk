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
# Each source is compiled on its own into an object file under $(OUT)/obj/,
# and each program P is linked from P.o and the objects of COMMON_SRCS: after
# an edit, only the edited file is compiled again.
#
# A COMMON_SRCS file that is absent is taken compiled: the object of
# dir/NAME.cpp is then dir/obj/<sanitizers>/NAME.o (e.g.
# 08-tcp-lib/obj/plain/TCP.o). The grader links the kit's reference library
# that way: its source never enters a submission's build.
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
# One folder of objects per sanitizer setting (obj/plain, obj/thread...):
# a program is never linked from objects compiled with other checks.
OBJ_KIND := $(or $(strip $(SAN)),plain)
OBJ      := $(OUT)/obj/$(OBJ_KIND)
# Objects are named after their sources: ../08-tcp-lib/TCP.cpp gives $(OBJ)/TCP.o
objects   = $(addprefix $(OBJ)/,$(notdir $(1:.cpp=.o)))
# The sources to compile, and the objects given compiled (see above).
SOURCES  := $(PROGRAMS:=.cpp) $(wildcard $(COMMON_SRCS))
GIVEN    := $(foreach src,$(filter-out $(wildcard $(COMMON_SRCS)),$(COMMON_SRCS)),$(dir $(src))obj/$(OBJ_KIND)/$(notdir $(src:.cpp=.o)))

.PHONY: all clean asan tsan
.DEFAULT_GOAL := all

all: $(BINARIES)

$(BINARIES): $(OUT)/%: $(OBJ)/%.o $(call objects,$(wildcard $(COMMON_SRCS))) $(GIVEN)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each object depends on its source and on every header. -MMD is not used on
# purpose: a lab is a handful of files, and listing HEADERS keeps rebuilds correct.
$(foreach src,$(SOURCES),$(eval $(call objects,$(src)): $(src) $(HEADERS)))
$(OBJ)/%.o:
	@mkdir -p $(OBJ)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $(filter %.cpp,$^)

# Convenience targets for students: sanitizer builds in a folder of their own.
asan:
	$(MAKE) OUT=asan SAN=address,undefined

tsan:
	$(MAKE) OUT=tsan SAN=thread

clean:
	rm -f $(BINARIES)
	rm -rf $(OUT)/obj asan tsan
