"""The course's hosts (zeus, moon, www.google.be) as loopback-range addresses.

Every grading run gets a "slot"; its hosts live in 127.<1 + slot/256>.<slot%256>.0/24
so that runs graded in parallel (each in its own network namespace) can still be
told apart by address in system-wide traces. All of 127.0.0.0/8 is local on
Linux: these addresses need no configuration, and nothing sent to them leaves
the machine (or, with namespaces, the run's own network).
"""

from __future__ import annotations

from dataclasses import dataclass

SERVER_PORT = 50000  # the course's port


@dataclass(frozen=True)
class Network:
    slot: int = 0
    private_hosts: bool = True  # False when the grader cannot give programs its hosts file

    @property
    def prefix(self) -> str:
        return f"127.{1 + self.slot // 256}.{self.slot % 256}"

    @property
    def zeus(self) -> str:
        """The server's address (the course's "zeus")."""
        return f"{self.prefix}.1"

    @property
    def moon(self) -> str:
        """A second client address (the course's "moon")."""
        return f"{self.prefix}.2"

    @property
    def google(self) -> str:
        return f"{self.prefix}.3"

    @property
    def google_second(self) -> str:
        """www.google.be's second address: a name may have several (a program
        that prints only the first of getaddrinfo()'s list shows it)."""
        return f"{self.prefix}.4"

    def hosts(self) -> dict[str, str]:
        """Names a program can resolve without DNS, and their addresses."""
        names = {"localhost": "127.0.0.1"}
        if self.private_hosts:
            names.update({"zeus": self.zeus, "moon": self.moon, "www.google.be": self.google})
        return names

    def names(self) -> dict[str, str]:
        """Address -> name, for labelling addresses in feedback."""
        return {address: name for name, address in self.hosts().items()}

    def hosts_file(self) -> str:
        lines = ["# The grader's private hosts file: the course's hosts on loopback addresses."]
        lines += [f"{address}\t{name}" for name, address in self.hosts().items()]
        if self.private_hosts:
            lines.append(f"{self.google_second}\twww.google.be")
        lines.append("::1\tlocalhost ip6-localhost ip6-loopback")
        return "\n".join(lines) + "\n"

    def legend(self) -> str:
        return ", ".join(f"{name} = {address}" for name, address in self.hosts().items())
