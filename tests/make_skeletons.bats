#!/usr/bin/env bats
# scripts/make-skeletons: solutions/ -> labs/, and its refusals.

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
    mkdir -p "$WORK/solutions/99-demo" "$WORK/labs"
}

teardown() {
    rm -rf "$WORK"
}

write_solution() {
    printf '%s\n' "$@" > "$WORK/solutions/99-demo/Demo.cpp"
}

generate() {
    run "$KIT/scripts/make-skeletons" --solutions "$WORK/solutions" --labs "$WORK/labs" "$@"
}

@test "the committed skeletons are up to date" {
    run "$KIT/scripts/make-skeletons" --check
    [ "$status" -eq 0 ]
}

@test "a region becomes a stub that names what to write and keeps STUB lines" {
    write_solution '#include <cstdio>' '#include <cstdlib>' 'int main(int argc, char**)' '{' \
        '    // BEGIN SOLUTION: check argc' '    // STUB: (void)argc;' '    return argc == 2;' '    // END SOLUTION' '}'
    generate
    [ "$status" -eq 0 ]
    grep -q '    // TODO: check argc' "$WORK/labs/99-demo/Demo.cpp"
    grep -q '    (void)argc;' "$WORK/labs/99-demo/Demo.cpp"
    grep -q 'std::exit(99);' "$WORK/labs/99-demo/Demo.cpp"
    ! grep -q 'return argc == 2' "$WORK/labs/99-demo/Demo.cpp"
}

@test "the generated stub compiles and fails loudly" {
    write_solution '#include <cstdio>' '#include <cstdlib>' 'int main()' '{' \
        '    // BEGIN SOLUTION: print "hello" (100% of it)' '    std::puts("hello");' '    // END SOLUTION' '}'
    generate
    [ "$status" -eq 0 ]
    g++ -Wall -Wextra -Werror -o "$WORK/demo" "$WORK/labs/99-demo/Demo.cpp"
    run "$WORK/demo"
    [ "$status" -eq 99 ]
    [[ "$output" == *'TODO ('*'Demo.cpp:'*'): print "hello" (100% of it)'* ]]
}

@test "a nested region is refused with its file and line" {
    write_solution '#include <cstdio>' '#include <cstdlib>' '// BEGIN SOLUTION: outer' '// BEGIN SOLUTION: inner' \
        '// END SOLUTION' '// END SOLUTION'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"Demo.cpp:4: nested BEGIN SOLUTION"* ]]
}

@test "a region that is never closed is refused" {
    write_solution '#include <cstdio>' '#include <cstdlib>' '// BEGIN SOLUTION: open' 'int x;'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"Demo.cpp:3: BEGIN SOLUTION is never closed"* ]]
}

@test "an END without BEGIN is refused" {
    write_solution '// END SOLUTION'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"Demo.cpp:1: END SOLUTION without a BEGIN SOLUTION"* ]]
}

@test "an unknown marker is refused" {
    write_solution '#include <cstdio>' '#include <cstdlib>' '/* BEGIN SOLUTION */'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"Demo.cpp:3: unknown or malformed marker"* ]]
}

@test "a region without a description is refused" {
    write_solution '#include <cstdio>' '#include <cstdlib>' '// BEGIN SOLUTION' '// END SOLUTION'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"needs a description"* ]]
}

@test "a file with stubs must include cstdio and cstdlib" {
    write_solution 'int main()' '{' '    // BEGIN SOLUTION: x' '    // END SOLUTION' '}'
    generate
    [ "$status" -eq 2 ]
    [[ "$output" == *"include <cstdio>, <cstdlib>"* ]]
}

@test "--check names a stale skeleton and a missing one" {
    write_solution '#include <cstdio>' '#include <cstdlib>' 'int main() {}'
    printf 'PROGRAMS := Demo\n' > "$WORK/solutions/99-demo/Makefile"
    generate
    [ "$status" -eq 0 ]
    echo '// edited by hand' >> "$WORK/labs/99-demo/Demo.cpp"
    rm "$WORK/labs/99-demo/Makefile"
    generate --check
    [ "$status" -eq 1 ]
    [[ "$output" == *"stale skeleton: $WORK/labs/99-demo/Demo.cpp: differs"* ]]
    [[ "$output" == *"stale skeleton: $WORK/labs/99-demo/Makefile: missing"* ]]
}

@test "--check names a skeleton source with no solution" {
    write_solution '#include <cstdio>' '#include <cstdlib>' 'int main() {}'
    generate
    echo 'int stray;' > "$WORK/labs/99-demo/Stray.cpp"
    generate --check
    [ "$status" -eq 1 ]
    [[ "$output" == *"Stray.cpp: no such file in"* ]]
}

@test "the handout is never touched" {
    write_solution '#include <cstdio>' '#include <cstdlib>' 'int main() {}'
    echo 'hand-written' > "$WORK/solutions/99-demo/README.md"
    mkdir -p "$WORK/labs/99-demo" && echo 'the handout' > "$WORK/labs/99-demo/README.md"
    generate
    [ "$status" -eq 0 ]
    [ "$(cat "$WORK/labs/99-demo/README.md")" = "the handout" ]
}

@test "files marked reference only stay in solutions, as do built programs" {
    write_solution '#include <cstdio>' 'int main() { return 0; }'
    mkdir -p "$WORK/solutions/99-demo/variant"
    printf '%s\n' '// KIT: reference only (a whole other solution)' 'int f() { return 1; }' \
        > "$WORK/solutions/99-demo/variant/Other.cpp"
    printf '\177ELF\0\0binary' > "$WORK/solutions/99-demo/Demo"
    generate
    [ "$status" -eq 0 ]
    [ -f "$WORK/labs/99-demo/Demo.cpp" ]
    [ ! -e "$WORK/labs/99-demo/variant/Other.cpp" ]
    [ ! -e "$WORK/labs/99-demo/Demo" ]
}
