"""The grader's harness: build a submission, run its programs in a sandbox,
drive them like the course's console transcripts, and report the results."""
