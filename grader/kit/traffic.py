"""What one check's network carried: its packets and its TCP states, drawn
for the feedback.

Where the check has a network of its own (namespaces), its loopback is
recorded (capture.py) from the check's start; the kernel's record of TCP
state changes (kerneltrace.py) is read where the grader could set it up.
At the feedback, the first connection is drawn as a sequence diagram
(seqdiagram.py) and its two sockets' states as a timeline (tcpstates.py),
from the kernel, or inferred from the segments, saying which and why.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from . import datagramlog, kerneltrace, seqdiagram, tcpstates
from .capture import Capture
from .context import RunContext
from .text import indent_block

DIAGRAM_SEGMENTS = 20  # segments of a connection (or datagrams) drawn in a feedback: the first and last ten


class Traffic:
    def __init__(self, ctx: RunContext, isolated: bool) -> None:
        # Elsewhere than in a network of its own, loopback carries the machine's other traffic.
        self.capture = _start_capture() if isolated else None
        self.state_reader, self.states_missing = self._start_state_trace(ctx)
        self.kernel_changes: list[tcpstates.StateChange] = []
        self.data: dict = {}  # for the HTML report: see results.CheckResult.trace

    def _start_state_trace(self, ctx: RunContext) -> tuple[kerneltrace.StateReader | None, str]:
        """The kernel's TCP state changes from now on (older ones are dropped)."""
        if self.capture is None:
            return None, "without a capture the states cannot be told apart from the machine's others"
        if not ctx.state_trace:
            return None, ctx.state_trace_missing or "the grader did not set up the kernel's trace"
        try:
            reader = kerneltrace.reader_for(ctx.state_trace)
            reader.read()
        except OSError as error:
            return None, f"the kernel's trace could not be read ({error.strerror or error})"
        return reader, ""

    def sections(self, names: dict[str, str], roles: dict[seqdiagram.Endpoint, str], folder: Path,
                 relayed: tuple[set[seqdiagram.Endpoint], list[bool]] = (set(), [])) -> list[str]:
        """The segments of the check as a sequence diagram, and the states of the
        first connection's two sockets; its UDP datagrams as a table (endpoints
        labelled by host name and role; relayed: a relay's addresses and, in
        order, whether it dropped each datagram sent there); the capture is
        saved in folder."""
        if self.capture is None:
            return []
        self.capture.stop()
        capped = f" ({self.capture.capped_note()})" if self.capture.capped else ""
        sections = self._tcp_sections(names, roles, capped)
        found = datagramlog.datagrams(self.capture.packets)
        if found:
            rows = datagramlog.rows(found, names, roles, DIAGRAM_SEGMENTS, datagramlog.losses(found, *relayed))
            self.data.update(datagrams=[dataclasses.asdict(row) for row in rows], capped=self.capture.capped)
            sections.append(f"The UDP datagrams of the check, as captured on its loopback{capped}:\n"
                            + indent_block(datagramlog.table(rows), "  "))
        if not sections:
            return [f"No TCP segment was captured on the check's loopback{capped}."] if capped else []
        self.save(folder)
        return sections

    def _tcp_sections(self, names: dict[str, str], roles: dict[seqdiagram.Endpoint, str], capped: str) -> list[str]:
        found = seqdiagram.segments(self.capture.packets)
        diagram = seqdiagram.layout(found, names, DIAGRAM_SEGMENTS, roles)
        if diagram is None:
            return []
        changes, source = self._state_changes(found, diagram)
        self.data = {"diagram": dataclasses.asdict(diagram), "capped": self.capture.capped,
                     "states": {"source": "kernel" if source == tcpstates.KERNEL_SOURCE else "capture",
                                "note": source, "changes": tcpstates.to_dicts(changes, diagram, diagram.start)}}
        sections = [f"The TCP segments of the check, as captured on its loopback{capped} (seq/ack relative):\n"
                    + indent_block(diagram.to_text(), "  ")]
        if changes:
            sections.append(f"The TCP states of the first connection's two sockets, {source}:\n"
                            + indent_block(tcpstates.timeline(changes, diagram, diagram.start), "  "))
        return sections

    def _state_changes(self, found: list[seqdiagram.Segment],
                       diagram: seqdiagram.Diagram) -> tuple[list[tcpstates.StateChange], str]:
        """The kernel's record of the connection's states where there is one;
        otherwise the states inferred from the segments, saying why."""
        left, right = diagram.endpoints
        why = self.states_missing
        if self.state_reader is not None:
            try:
                self.kernel_changes.extend(self.state_reader.read())
            except OSError as error:
                why = f"the kernel's trace could not be read ({error.strerror or error})"
            else:
                # What happened after the recording ended has no segments to show it.
                recorded = [c for c in self.kernel_changes if c.time <= self.capture.stopped_at]
                traced = tcpstates.of_connection(recorded, left, right, found)
                if traced:
                    return traced, tcpstates.KERNEL_SOURCE
                why = "the kernel's trace has no record of this connection"
        return tcpstates.infer(found, left, right), f"{tcpstates.CAPTURE_SOURCE} ({why})"

    def save(self, folder: Path) -> None:
        """The capture as folder/capture.pcap (once)."""
        if self.capture is None or (folder / "capture.pcap").exists():
            return
        folder.mkdir(parents=True, exist_ok=True)
        self.capture.write_pcap(folder / "capture.pcap")

    def stop(self) -> None:
        if self.capture is not None:
            self.capture.stop()


def _start_capture() -> Capture | None:
    capture = Capture()
    try:
        capture.start()
    except OSError:  # no CAP_NET_RAW here: the feedback goes without packets
        return None
    return capture
