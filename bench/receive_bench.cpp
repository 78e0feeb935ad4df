// receive_bench: what reading a frame costs, over a loopback TCP connection.
//
// Three receivers of the same end-marker format ("payload#)"):
//   Reference  the kit's Receive (solutions/08-tcp-lib/TCP.cpp): recv with
//              MSG_PEEK to find the end of the frame, then one recv of
//              exactly its bytes, so about 2 system calls per frame
//   PlainRead  the ceiling: read() up to 64 KiB at a time into a buffer of
//              its own and cut the frames out of it (what an event loop's
//              decoder does; it keeps bytes between calls, which a
//              Receive(socket, data) without per-socket state cannot)
//   ByteRead   the course's approach, written here: one read() per byte
// on frames of 10, 1 000 and 10 000 payload bytes. Reported: frames/s
// (items_per_second), payload bytes/s (bytes_per_second) and payload MB/s
// (10^6 bytes per second).
//
// The writer. A writer that sent one frame per send() would be measured as
// much as the reader: for 10-byte frames its own system call per frame costs
// about what the reference Receive spends. So a writer thread keeps the
// connection fed with batches of frames already glued together (about
// 64 KiB per send()), in a closed loop with the reader: it blocks when the
// kernel's buffers are full and goes on as soon as the reader makes room.
// The reader therefore always finds frames queued, as a server does under
// load: this measures the receiving side, not the round trip. On a 2-core
// machine writer and reader each get a core.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <thread>

#include "TCP.h"

namespace {

// Stop the benchmark program on a setup failure (not something to measure).
[[noreturn]] void Die(const char* what)
{
    std::perror(what);
    std::exit(EXIT_FAILURE);
}

// One read() per byte, same format and contract as the reference Receive
// (bound, '#' followed by ')' ends the frame, EINTR retried), without its
// error details. Returns the payload length, 0 at a close between frames,
// -1 on error.
int ReceiveByteByByte(int s, char* data)
{
    int length = 0;
    bool hash_pending = false;
    for (;;) {
        char c;
        const ssize_t n = read(s, &c, 1);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            return length == 0 && !hash_pending ? 0 : -1;
        }
        if (hash_pending) {
            hash_pending = false;
            if (c == ')') {
                return length;
            }
            if (length == TAILLE_MAX_DATA) {
                return -1;
            }
            data[length++] = '#';
        }
        if (c == '#') {
            hash_pending = true;
            continue;
        }
        if (length == TAILLE_MAX_DATA) {
            return -1;
        }
        data[length++] = c;
    }
}

// A loopback connection and a writer thread that keeps it fed with frames of
// `size` payload bytes until Stop().
class FedConnection {
public:
    explicit FedConnection(int size)
    {
        const int listener = socket(AF_INET, SOCK_STREAM, 0);
        if (listener == -1) {
            Die("receive_bench: socket");
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only
        socklen_t length = sizeof address;
        if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1 ||
            listen(listener, 1) == -1 ||
            getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == -1) {
            Die("receive_bench: listening socket");
        }
        writer_fd_ = socket(AF_INET, SOCK_STREAM, 0);
        if (writer_fd_ == -1 || connect(writer_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1) {
            Die("receive_bench: connect");
        }
        reader_fd_ = accept(listener, nullptr, nullptr);
        if (reader_fd_ == -1) {
            Die("receive_bench: accept");
        }
        close(listener);

        // About 64 KiB of glued frames (at least one frame).
        std::string frame(static_cast<std::size_t>(size), ' ');
        for (int i = 0; i < size; ++i) {
            frame[static_cast<std::size_t>(i)] = static_cast<char>('a' + i % 26);
        }
        frame += "#)";
        std::string batch;
        do {
            batch += frame;
        } while (batch.size() + frame.size() <= 64 * 1024);

        writer_ = std::thread([this, batch] {
            while (!stop_.load(std::memory_order_relaxed)) {
                std::size_t done = 0;
                while (done < batch.size()) {
                    const ssize_t n = send(writer_fd_, batch.data() + done, batch.size() - done, MSG_NOSIGNAL);
                    if (n == -1 && errno == EINTR) {
                        continue;
                    }
                    if (n <= 0) {
                        return;  // the reader is gone
                    }
                    done += static_cast<std::size_t>(n);
                }
            }
            shutdown(writer_fd_, SHUT_WR);
        });
    }

    FedConnection(const FedConnection&) = delete;
    FedConnection& operator=(const FedConnection&) = delete;

    // Stop the writer: it sees the flag once its current batch is written,
    // for which the reader drains the connection until the writer's FIN.
    ~FedConnection()
    {
        stop_.store(true);
        char sink[65536];
        while (read(reader_fd_, sink, sizeof sink) > 0) {
        }
        writer_.join();
        close(reader_fd_);
        close(writer_fd_);
    }

    int reader() const { return reader_fd_; }

private:
    int writer_fd_ = -1;
    int reader_fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread writer_;
};

// PlainRead's state: the bytes read but not yet handed out. One connection
// per benchmark case, so Reset() at the start of each.
class PlainReader {
public:
    void Reset() { begin_ = end_ = 0; }

    // The next frame's payload into data (at most TAILLE_MAX_DATA bytes);
    // its length, 0 at end of stream, -1 on error or an oversized frame.
    int Next(int s, char* data)
    {
        for (;;) {
            const char* start = buffer_.data() + begin_;
            const std::size_t available = end_ - begin_;
            const void* marker = available >= 2 ? memmem(start, available, "#)", 2) : nullptr;
            if (marker != nullptr) {
                const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(marker) - start);
                if (length > TAILLE_MAX_DATA) {
                    return -1;
                }
                std::memcpy(data, start, length);
                begin_ += length + 2;
                return static_cast<int>(length);
            }
            if (available > TAILLE_MAX_DATA + 1) {
                return -1;  // no marker where one must be
            }
            // Keep the partial frame at the front, then read up to 64 KiB after it.
            std::memmove(buffer_.data(), start, available);
            begin_ = 0;
            end_ = available;
            ssize_t n;
            do {
                n = read(s, buffer_.data() + end_, kRead);
            } while (n == -1 && errno == EINTR);
            if (n <= 0) {
                return n == 0 && available == 0 ? 0 : -1;
            }
            end_ += static_cast<std::size_t>(n);
        }
    }

private:
    static constexpr std::size_t kRead = 64 * 1024;
    std::vector<char> buffer_ = std::vector<char>(kRead + TAILLE_MAX_DATA + 2);
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

PlainReader plain_reader;

int PlainRead(int s, char* data)
{
    return plain_reader.Next(s, data);
}

template <int (*ReceiveFunction)(int, char*)>
void BM_Receive(benchmark::State& state)
{
    const int size = static_cast<int>(state.range(0));
    plain_reader.Reset();
    FedConnection connection(size);
    static char data[TAILLE_MAX_DATA];
    for (auto _ : state) {
        const int n = ReceiveFunction(connection.reader(), data);
        if (n != size) {
            state.SkipWithError("a frame came back with the wrong size");
            break;
        }
        benchmark::DoNotOptimize(data[0]);
    }
    const auto frames = static_cast<int64_t>(state.iterations());
    state.SetItemsProcessed(frames);
    state.SetBytesProcessed(frames * size);
    state.counters["MB/s"] =
        benchmark::Counter(static_cast<double>(frames) * size / 1e6, benchmark::Counter::kIsRate);
}

int Reference(int s, char* data)
{
    return Receive(s, data);
}

// Real time: the reader also waits in the kernel; CPU time alone would hide
// that. Google Benchmark's default of at least 0.5 s per case keeps the whole
// run near 10 s (--benchmark_min_time=0.05 for a smoke run).
BENCHMARK_TEMPLATE(BM_Receive, Reference)->Name("Reference")->Arg(10)->Arg(1000)->Arg(10000)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Receive, PlainRead)->Name("PlainRead")->Arg(10)->Arg(1000)->Arg(10000)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Receive, ReceiveByteByByte)->Name("ByteRead")->Arg(10)->Arg(1000)->Arg(10000)->UseRealTime();

}  // namespace
