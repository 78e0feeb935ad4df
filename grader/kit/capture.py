"""Recording a check's traffic: an AF_PACKET socket on the loopback interface
of the check's own network namespace, bounded, kept as a .pcap file.

    capture = Capture()          # in the namespace: the socket is made here
    capture.start()
    ...                          # the check runs its programs
    capture.stop()
    capture.write_pcap(path)     # tcpdump -r path, Wireshark

On loopback every packet passes the capture twice (sent, then received):
only the sent copy is kept. Packets beyond MAX_PACKETS, or beyond MAX_BYTES
kept in all, end the recording (`capped`); each packet keeps its first SNAPLEN
bytes (headers and the start of the payload), its real length recorded.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4          # sll_pkttype of a packet this host sent
SO_TIMESTAMPNS = 35          # <asm-generic/socket.h>: a struct timespec per packet
SO_RCVBUFFORCE = 33
SOL_PACKET, PACKET_STATISTICS = 263, 6   # struct tpacket_stats {unsigned packets, drops} (read and reset)
RECEIVE_BUFFER = 8 << 20
LINKTYPE_ETHERNET = 1        # loopback frames carry an Ethernet header (zero addresses)
SNAPLEN = 256
MAX_PACKETS = 5000
MAX_BYTES = 2 << 20
PCAP_MAGIC = 0xA1B2C3D4      # microsecond timestamps


@dataclass(frozen=True)
class Packet:
    time: float      # seconds since the epoch
    data: bytes      # the first SNAPLEN bytes of the frame
    length: int      # the frame's real length


class Capture:
    def __init__(self, interface: str = "lo", max_packets: int = MAX_PACKETS, max_bytes: int = MAX_BYTES,
                 snaplen: int = SNAPLEN) -> None:
        self.interface = interface
        self.max_packets = max_packets
        self.max_bytes = max_bytes
        self.snaplen = snaplen
        self.packets: list[Packet] = []
        self.dropped = 0          # 1 once a packet came beyond the bounds (the recording then ends)
        self.missed = 0           # packets the kernel dropped while the recording could not keep up
        self.stopped_at = 0.0     # when the recording ended (seconds since the epoch)
        self._kept_bytes = 0
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop_read = self._stop_write = -1

    def start(self) -> None:
        """Open the capture socket (in the calling thread's network namespace) and record."""
        self._socket = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self._socket.bind((self.interface, 0))
        # The kernel's time of each packet, not the moment this thread got to it.
        self._socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        try:  # room for bursts while this thread catches up (beyond net.core.rmem_max: root only)
            self._socket.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER)
        except OSError:
            pass
        self._stop_read, self._stop_write = os.pipe()
        self._thread = threading.Thread(target=self._record, name="capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Record what is already queued, then close."""
        if self._socket is not None:
            self.stopped_at = time.time()
        if self._thread is not None:
            os.write(self._stop_write, b"x")
            self._thread.join(timeout=5)
            self._thread = None
        if self._socket is not None:
            # Packets the kernel dropped because this socket's queue was full.
            _, kernel_drops = struct.unpack("II", self._socket.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
            self.missed += kernel_drops
            self._socket.close()
            self._socket = None
        for fd in (self._stop_read, self._stop_write):
            if fd != -1:
                os.close(fd)
        self._stop_read = self._stop_write = -1

    @property
    def capped(self) -> bool:
        """Not every packet was recorded: the bounds were reached, or the kernel dropped some."""
        return self.dropped > 0 or self.missed > 0

    def capped_note(self) -> str:
        """Why the recording is incomplete ("" when it is not)."""
        if self.dropped:
            return (f"the capture stopped at its bound of {len(self.packets)} packets: the check's network "
                    "carried more")
        if self.missed:
            return (f"the capture missed {self.missed} packets: the check's network carried more than it "
                    "could record")
        return ""

    def _record(self) -> None:
        assert self._socket is not None
        stopping = False
        while True:
            ready, _, _ = select.select([self._socket, self._stop_read], [], [], 0 if stopping else None)
            if self._stop_read in ready:
                stopping = True  # drain what the kernel holds, then end
            if self._socket not in ready:
                if stopping:
                    return
                continue
            data, ancillary, _, address = self._socket.recvmsg(1 << 18, socket.CMSG_SPACE(16))
            if address[2] != PACKET_OUTGOING:
                continue
            if len(self.packets) >= self.max_packets or self._kept_bytes + self.snaplen > self.max_bytes:
                # Full: stop reading (a flood would keep this thread busy for nothing).
                self.dropped += 1
                return
            kept = data[:self.snaplen]
            self.packets.append(Packet(_kernel_time(ancillary), kept, len(data)))
            self._kept_bytes += len(kept)

    def write_pcap(self, path: Path) -> None:
        write_pcap(path, self.packets, self.snaplen)


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The packet's SO_TIMESTAMPNS (seconds since the epoch); now, if absent."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
            seconds, nanoseconds = struct.unpack_from("qq", data)
            return seconds + nanoseconds / 1e9
    return time.time()


def write_pcap(path: Path, packets: list[Packet], snaplen: int = SNAPLEN) -> None:
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET))
        for packet in packets:
            seconds = int(packet.time)
            micros = int(round((packet.time - seconds) * 1e6))
            out.write(struct.pack("<IIII", seconds, min(micros, 999999), len(packet.data), packet.length))
            out.write(packet.data)


def read_pcap(path: Path) -> list[Packet]:
    """The packets of a pcap file written by write_pcap (or tcpdump -w on lo)."""
    data = path.read_bytes()
    magic = struct.unpack_from("<I", data, 0)[0]
    order = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nanos = struct.unpack_from(order + "I", data, 0)[0] == 0xA1B23C4D
    packets, offset = [], 24
    while offset + 16 <= len(data):
        seconds, fraction, kept, length = struct.unpack_from(order + "IIII", data, offset)
        offset += 16
        packets.append(Packet(seconds + fraction / (1e9 if nanos else 1e6), data[offset:offset + kept], length))
        offset += kept
    return packets
