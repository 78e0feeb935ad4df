"""Mutation analysis of the kit's checks: plant one classic socket-programming
mistake at a time in a reference solution (inside its SOLUTION regions, where a
student writes), grade the result, and see whether some check notices.

    sources    a lab's solution files, their SOLUTION regions, their include paths
    operators  the mistakes, found with libclang and written as textual edits
    mutants    a mutant: its edit, its stable id, its description and diff
    runner     grade mutants (several at once, each bounded in time) and classify them
    cache      graded mutants remembered on disk, keyed by everything a verdict depends on
    ledger     grader/mutation-ledger.md: the survivors a teacher has explained
    report     per-lab figures and the survivors, as text and Markdown
    cli        PYTHONPATH=grader python3 -m mutation [--lab NN ...] (make mutation)
"""
