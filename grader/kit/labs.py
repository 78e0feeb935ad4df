"""The kit's labs: which exist, what a student submits for each, what gets built.

A lab is a folder labs/NN-name/ of the kit. The files a student writes (and may
submit) are exactly the C++ sources at the top of that folder, the skeletons
generated from solutions/NN-name/. The programs are the PROGRAMS its Makefile
builds. Its checks are grader/checks/labNN_name.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent.parent
SOURCE_SUFFIXES = (".cpp", ".cc", ".h", ".hpp")


@dataclass(frozen=True)
class Lab:
    name: str          # "04-accept"
    kit_dir: Path      # labs/04-accept

    @property
    def number(self) -> str:
        return self.name.split("-", 1)[0]

    @property
    def check_module(self) -> str:
        return f"checks.lab{self.name.replace('-', '_')}"

    @property
    def check_file(self) -> Path:
        return KIT / "grader" / "checks" / f"lab{self.name.replace('-', '_')}.py"

    @property
    def student_files(self) -> list[str]:
        return sorted(p.name for p in self.kit_dir.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES)

    @property
    def programs(self) -> list[str]:
        return self.makefile_list("PROGRAMS")

    @property
    def library_files(self) -> list[str]:
        """The files of its own that other labs link with: a library lab's
        COMMON_SRCS and HEADERS (not those it takes from another library)."""
        return [name for name in self.makefile_list("COMMON_SRCS") + self.makefile_list("HEADERS")
                if "$" not in name and "/" not in name]

    def makefile_list(self, variable: str) -> list[str]:
        """The words of one variable of the lab's Makefile (e.g. COMMON_SRCS),
        `$(VARIABLE)` uses left as they are."""
        makefile = (self.kit_dir / "Makefile").read_text()
        match = re.search(rf"^{variable}\s*:?=\s*(.*)$", makefile, re.MULTILINE)
        return match.group(1).split() if match else []


def lab_named(name: str, kit: Path = KIT) -> Lab:
    return Lab(name, kit / "labs" / name)


def all_labs(kit: Path = KIT) -> list[Lab]:
    """Every lab of the kit that has checks, in order."""
    labs = [Lab(d.name, d) for d in sorted((kit / "labs").iterdir())
            if d.is_dir() and re.match(r"^\d\d-", d.name)]
    return [lab for lab in labs if lab.check_file.exists()]


class UnknownLab(ValueError):
    pass


def find_labs(specs: list[str], kit: Path = KIT) -> list[Lab]:
    """Labs named by number ("4", "04") or folder name ("04-accept")."""
    labs = all_labs(kit)
    if not specs:
        return labs
    chosen = []
    for spec in specs:
        spec = spec.strip().rstrip("/")
        found = [lab for lab in labs if lab.name == spec or (spec.isdigit() and int(lab.number) == int(spec))]
        if not found:
            raise UnknownLab(f"no lab {spec!r}; the labs are: {', '.join(lab.name for lab in labs)}")
        chosen.extend(lab for lab in found if lab not in chosen)
    return chosen


def submitted_folder(submission: Path, lab: Lab) -> tuple[Path | None, str]:
    """The submission's folder for lab, and a note when it was found by its
    number only, or refused (a symbolic link is never followed: it could
    lead to the kit's solutions or another student's work)."""
    candidates = [submission / lab.name] + [d for d in sorted(submission.iterdir())
                                            if d.name != lab.name and re.match(rf"^{lab.number}[-_ ]", d.name)]
    links = [d for d in candidates if d.is_symlink()]
    folders = [d for d in candidates if d.is_dir() and not d.is_symlink()]
    if folders and folders[0].name == lab.name:
        return folders[0], ""
    if len(folders) == 1:
        return folders[0], f"(the folder is named {folders[0].name!r}; the kit expects {lab.name!r})"
    if links and not folders:
        return None, f"({links[0].name} is a symbolic link: links are never followed; submit the folder itself)"
    return None, ""
