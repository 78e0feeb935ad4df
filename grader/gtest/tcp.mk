# Build the GoogleTest binary that checks a TCP library (lab 08): the visible
# tests of the lab and the hidden ones of this folder, in one binary, linked
# with the library under test.
#
#   make -f grader/gtest/tcp.mk LIB_DIR=dir [TESTS_DIR=dir] [OUT=dir] [SAN=list] [VARIANT=length-header]
#
#   LIB_DIR    the folder with the TCP.h and TCP.cpp under test (required)
#   TESTS_DIR  the folder with test_tcp_visible.cpp and tcp_test_support.h
#              (default: labs/08-tcp-lib/tests of this kit)
#   TEST_OBJ_DIR  where the test objects go (default: next to the binary)
#   TEST_OBJS  the test objects, given compiled: the binary is linked from
#              them and the library's object, and no rule needs the test
#              sources. The grader compiles the tests apart, against the
#              kit's TCP.h (make ... test-objects), and gives a submission's
#              sandboxed build only their objects: hidden tests never enter it.
#   OUT        where the binary goes: $(OUT)/tcp_tests (default: .)
#   SAN        sanitizers, as in mk/lab.mk: SAN=address,undefined
#   VARIANT    length-header: test LIB_DIR/length-header/TCP.cpp, the
#              4-digit length-header framing, against LIB_DIR/TCP.h
#   EXTRA_CXXFLAGS  added last (the kit's own tests use -Werror)
#
# Run the binary one suite at a time, as the grader does:
#   $(OUT)/tcp_tests --gtest_filter='Bound.*'
# Suites: RoundTrip HashPayload Bound Segmentation Buffered Interrupts Errors Accept Decoder.
#
# The library's TCP.h comes first in the include path. Its warnings are
# shown, never fatal (no -Werror), as in mk/lab.mk.

HERE      := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TESTS_DIR ?= $(HERE)/../../labs/08-tcp-lib/tests
OUT       ?= .
SAN       ?=
VARIANT   ?=
CXX       ?= g++

ifeq ($(strip $(LIB_DIR)),)
$(error LIB_DIR is required: the folder with the TCP.h and TCP.cpp to test)
endif

ifeq ($(VARIANT),)
LIB_SRC  := $(LIB_DIR)/TCP.cpp
DEFINES  :=
else ifeq ($(VARIANT),length-header)
LIB_SRC  := $(LIB_DIR)/length-header/TCP.cpp
DEFINES  := -DTCP_LENGTH_HEADER
else
$(error VARIANT must be empty or length-header, not '$(VARIANT)')
endif

CXXFLAGS := -std=c++17 -Wall -Wextra -O1 -g
ifneq ($(strip $(SAN)),)
SANFLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
ifneq ($(findstring undefined,$(SAN)),)
SANFLAGS += -fno-sanitize-recover=undefined
endif
endif
CXXFLAGS += $(SANFLAGS) $(DEFINES) $(EXTRA_CXXFLAGS)
CPPFLAGS := -I$(LIB_DIR) -I$(TESTS_DIR)
LDLIBS   := -lgtest -lgtest_main -pthread -ldl

OBJ_DIR  := $(OUT)/tcp_tests.obj
TEST_OBJ_DIR ?= $(OBJ_DIR)
# The student bundle (make dist) has no hidden tests: the binary then runs the visible ones.
HIDDEN   := $(wildcard $(HERE)/test_tcp_hidden.cpp)
TEST_OBJS ?=
COMPILED_TESTS := $(TEST_OBJ_DIR)/visible.o $(if $(HIDDEN),$(TEST_OBJ_DIR)/hidden.o)
OBJECTS  := $(OBJ_DIR)/tcp.o $(or $(strip $(TEST_OBJS)),$(COMPILED_TESTS))
TEST_DEPS := $(TESTS_DIR)/tcp_test_support.h $(LIB_DIR)/TCP.h

.PHONY: all clean test-objects
.DEFAULT_GOAL := all

all: $(OUT)/tcp_tests

test-objects: $(COMPILED_TESTS)

$(OUT)/tcp_tests: $(OBJECTS)
	$(CXX) $(CXXFLAGS) -o $@ $(OBJECTS) $(LDLIBS)

$(OBJ_DIR)/tcp.o: $(LIB_SRC) $(LIB_DIR)/TCP.h
	@mkdir -p $(OBJ_DIR)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(TEST_OBJ_DIR)/visible.o: $(TESTS_DIR)/test_tcp_visible.cpp $(TEST_DEPS)
	@mkdir -p $(TEST_OBJ_DIR)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(TEST_OBJ_DIR)/hidden.o: $(HERE)/test_tcp_hidden.cpp $(TEST_DEPS)
	@mkdir -p $(TEST_OBJ_DIR)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

clean:
	rm -rf $(OUT)/tcp_tests $(OBJ_DIR)
