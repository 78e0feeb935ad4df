"""Checks kept out of the student bundle (make dist): each module completes
the lab module of the same name in checks/ and declares only non-visible checks."""
