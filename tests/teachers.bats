#!/usr/bin/env bats
# The teachers' tools: scripts/grade-class, make dist (the student bundle and
# its GitHub Actions workflow), make gradescope (the autograder zip, run for
# real against a fake autograder root).

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
    PY=/usr/bin/python3
}

teardown() {
    rm -rf "$WORK"
}

# unzip with the modes the archive records (as Gradescope's unzip does).
unzip_to() {
    "$PY" - "$1" "$2" <<'EOF'
import sys, zipfile
from pathlib import Path
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16 & 0o777
        if mode:
            (Path(sys.argv[2]) / info.filename).chmod(mode)
EOF
}

# "student,01-... (/10),..." -> the value of column $2 for student $1 in gradebook $3
cell() {
    "$PY" -c 'import csv, sys
rows = {r["student"]: r for r in csv.DictReader(open(sys.argv[3]))}
print(rows[sys.argv[1]][next(c for c in rows[sys.argv[1]] if c.startswith(sys.argv[2]))])' "$1" "$2" "$3"
}

@test "grade-class: a usage message and exit status 2 without a submissions folder" {
    run "$KIT/scripts/grade-class"
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage: scripts/grade-class"* ]]
    run "$KIT/scripts/grade-class" "$WORK/nowhere"
    [ "$status" -eq 2 ]
    [[ "$output" == *"no such folder"* ]]
}

@test "grade-class: a gradebook, a report per student, a plot; a rerun skips what did not change" {
    mkdir -p "$WORK/class/alice" "$WORK/class/bob"
    cp -r "$KIT/solutions/01-creation-socket" "$WORK/class/alice/"
    cp -r "$KIT/labs/01-creation-socket" "$WORK/class/bob/"
    (cd "$KIT/solutions" && tar czf "$WORK/class/carol.tar.gz" 01-creation-socket)
    run "$KIT/scripts/grade-class" "$WORK/class" --out "$WORK/grades" --lab 01 --jobs 2
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 submissions: 3 graded, 0 unchanged"* ]]
    [ "$(cell alice 01-creation-socket "$WORK/grades/gradebook.csv")" = 10 ]
    [ "$(cell bob 01-creation-socket "$WORK/grades/gradebook.csv")" = 0 ]
    [ "$(cell carol total "$WORK/grades/gradebook.csv")" = 10 ]
    grep -q "01-creation-socket  0/10" "$WORK/grades/students/bob/report.txt"
    [ -s "$WORK/grades/students/alice/results.json" ] && [ -s "$WORK/grades/students/alice/junit.xml" ]
    [ "$(head -c 4 "$WORK/grades/scores.png" | tail -c 3)" = PNG ]
    echo "// changed" >> "$WORK/class/bob/01-creation-socket/CreationSocket.cpp"
    run "$KIT/scripts/grade-class" "$WORK/class" --out "$WORK/grades" --lab 01
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 submissions: 1 graded, 2 unchanged since the last run"* ]]
    [ "$(cell alice status "$WORK/grades/gradebook.csv")" = unchanged ]
    [ "$(cell bob status "$WORK/grades/gradebook.csv")" = graded ]
}

@test "make dist: the bundle has the labs and visible checks, no solutions, hidden checks or kit tests" {
    run make -C "$KIT" -s dist
    [ "$status" -eq 0 ]
    tar xzf "$KIT/dist/socket-lab-kit.tar.gz" -C "$WORK"
    B="$WORK/socket-lab-kit"
    [ -f "$B/labs/06-serveur-client/README.md" ] && [ -f "$B/grader/checks/lab08_tcp_lib.py" ]
    [ -f "$B/.github/workflows/grade.yml" ] && [ -x "$B/grader/grade" ]
    [ ! -e "$B/solutions" ] && [ ! -e "$B/grader/tests" ] && [ ! -e "$B/grader/checks/hidden" ]
    [ ! -e "$B/grader/gtest/test_tcp_hidden.cpp" ] && [ -f "$B/bench/smop-bench/smop-bench.cpp" ] && [ ! -e "$B/bench/class-grading.py" ]
    ! grep -rq "BEGIN SOLUTION" "$B"
    # make check, as a student runs it, on the skeletons: it runs and scores 0.
    run make -C "$B" check LAB=01
    [ "$status" -eq 0 ]
    [[ "$output" == *"01-creation-socket  0/10"* ]]
    run make -C "$B" test
    [ "$status" -ne 0 ]
    [[ "$output" == *"not part of this copy of the kit"* ]]
}

@test "make dist: the bundle's feedback on the visible checks is the teacher's" {
    make -C "$KIT" -s dist
    tar xzf "$KIT/dist/socket-lab-kit.tar.gz" -C "$WORK"
    mkdir "$WORK/sub"
    cp -r "$KIT/solutions/01-creation-socket" "$KIT/solutions/08-tcp-lib" "$WORK/sub/"
    sed -i 's/std::printf("pid = %d\\n", static_cast<int>(getpid()));/std::printf("pid = %d\\n", 1);/' \
        "$WORK/sub/01-creation-socket/CreationSocket.cpp"
    "$KIT/grader/grade" --submission "$WORK/sub" --lab 01 08 --seed 7 --format json --output "$WORK/teacher.json"
    "$WORK/socket-lab-kit/grader/grade" --submission "$WORK/sub" --lab 01 08 --seed 7 --format json --output "$WORK/student.json"
    run "$PY" - "$WORK/teacher.json" "$WORK/student.json" <<'EOF'
import json, re, sys
teacher, student = (json.load(open(p)) for p in sys.argv[1:])
by_id = lambda r: {t["extra_data"]["id"]: t for t in r["tests"] if t["max_score"] > 0}
teacher, student = by_id(teacher), by_id(student)
visible = {i for i, t in teacher.items() if t["visibility"] == "visible"}
assert set(student) == visible, (sorted(student), sorted(visible))
assert teacher["01-creation-socket/pid"]["status"] == "failed"
for i in sorted(visible):
    t, s = teacher[i], student[i]
    if s["extra_data"]["outcome"] == "skipped":   # needs the kit's reference programs
        assert "reference" in s["output"], s["output"]
        continue
    assert (t["score"], t["status"]) == (s["score"], s["status"]), i
    # The same verdict and explanation (pids and paths differ from run to run).
    verdict = lambda output: re.sub(r"\d+", "N", output.split("\n\nWhat the grader did")[0])
    assert verdict(t["output"]) == verdict(s["output"]), (i, t["output"], s["output"])
print("same feedback on", len(visible), "visible checks")
EOF
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *"same feedback on"* ]]
}

@test "make dist: the workflow's grading steps publish the score and the report" {
    make -C "$KIT" -s dist
    tar xzf "$KIT/dist/socket-lab-kit.tar.gz" -C "$WORK"
    B="$WORK/socket-lab-kit"
    rm -rf "$B/labs/01-creation-socket" && cp -r "$KIT/solutions/01-creation-socket" "$B/labs/"
    # Run the workflow's own run: steps (all but the package installation), as the runner would.
    "$PY" - "$B/.github/workflows/grade.yml" "$WORK/steps.sh" <<'EOF'
import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["jobs"]["grade"]["steps"]
runs = [s["run"] for s in steps if "run" in s and "setup" not in s["run"]]
assert len(runs) == 2, runs
open(sys.argv[2], "w").write("set -e\n" + "\n".join(r.replace("sudo ", "").replace("--submission labs", "--submission labs --lab 01") for r in runs))
EOF
    export GITHUB_STEP_SUMMARY="$WORK/summary.md"
    run bash -c "cd '$B' && bash '$WORK/steps.sh'"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Score: 10/10"* ]]
    grep -q "^## Socket Lab Kit: 10/10" "$WORK/summary.md"
    [ -s "$B/grading/junit.xml" ] && [ -s "$B/grading/results.json" ]
}

@test "make gradescope: run_autograder grades lab folders and writes a valid results.json" {
    run make -C "$KIT" -s gradescope
    [ "$status" -eq 0 ]
    unzip_to "$KIT/dist/gradescope.zip" "$WORK/root/source"
    [ -x "$WORK/root/source/setup.sh" ] && [ -x "$WORK/root/source/run_autograder" ]
    [ -d "$WORK/root/source/solutions" ] && [ -d "$WORK/root/source/grader/checks/hidden" ]
    sh -n "$WORK/root/source/setup.sh"
    mkdir -p "$WORK/root/submission/my-work"
    cp -r "$KIT/solutions/03-bind" "$WORK/root/submission/my-work/"
    AUTOGRADER_ROOT="$WORK/root" run "$WORK/root/source/run_autograder"
    [ "$status" -eq 0 ]
    run "$PY" - "$WORK/root/results/results.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r["score"], (int, float)) and r["tests"]
for t in r["tests"]:
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t), t
    assert t["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
by_lab = {}
for t in r["tests"]:
    by_lab.setdefault(t["tags"][0], 0)
    by_lab[t["tags"][0]] += t["score"]
assert by_lab["03-bind"] == 10 and by_lab["01-creation-socket"] == 0, by_lab
assert any(t["visibility"] == "after_due_date" for t in r["tests"])
print("valid", r["score"])
EOF
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == "valid 10"* ]]
}

@test "make gradescope LAB=NN: loose source files are that lab's; an empty upload scores 0 with a message" {
    make -C "$KIT" -s gradescope LAB=03
    unzip_to "$KIT/dist/gradescope-03.zip" "$WORK/root/source"
    mkdir -p "$WORK/root/submission"
    cp "$KIT/solutions/03-bind/BindSocket.cpp" "$WORK/root/submission/"
    AUTOGRADER_ROOT="$WORK/root" "$WORK/root/source/run_autograder"
    run "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["score"], {t["tags"][0] for t in r["tests"]})' \
        "$WORK/root/results/results.json"
    [ "$output" = "10.0 {'03-bind'}" ]
    rm -rf "$WORK/root/submission" "$WORK/root/results" && mkdir "$WORK/root/submission"
    AUTOGRADER_ROOT="$WORK/root" "$WORK/root/source/run_autograder"
    run "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["score"], r["output"])' \
        "$WORK/root/results/results.json"
    [[ "$output" == "0 Not graded: the upload holds no lab folder: upload 03-bind"* ]]
}

@test "make gradescope: where the container allows no sandbox it refuses, unless made with TRUSTED=1" {
    make -C "$KIT" -s gradescope LAB=03
    unzip_to "$KIT/dist/gradescope-03.zip" "$WORK/root/source"
    mkdir -p "$WORK/root/submission"
    cp "$KIT/solutions/03-bind/BindSocket.cpp" "$WORK/root/submission/"
    SLK_ISOLATION=none AUTOGRADER_ROOT="$WORK/root" run "$WORK/root/source/run_autograder"
    [ "$status" -eq 1 ]
    run "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["score"], r["tests"][1]["output"])' \
        "$WORK/root/results/results.json"
    [[ "$output" == "0"*"Not graded: this machine cannot isolate a submission"*"--trusted"* ]]
    make -C "$KIT" -s gradescope LAB=03 TRUSTED=1
    rm -rf "$WORK/root/source" "$WORK/root/results"
    unzip_to "$KIT/dist/gradescope-03.zip" "$WORK/root/source"
    [ -f "$WORK/root/source/grader/gradescope-trusted" ]
    SLK_ISOLATION=none AUTOGRADER_ROOT="$WORK/root" run "$WORK/root/source/run_autograder"
    [ "$status" -eq 0 ]
    run "$PY" -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["score"])' "$WORK/root/results/results.json"
    [ "$output" = "10.0" ]
}
