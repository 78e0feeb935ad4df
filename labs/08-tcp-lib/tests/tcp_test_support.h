// tcp_test_support.h: what the TCP library's tests share (lab 08).
//
// A loopback connection made with raw system calls (so the tests of Send and
// Receive do not depend on ServerSocket/ClientSocket), raw writes of exact
// wire bytes, a receive buffer that catches any write past
// TAILLE_MAX_DATA bytes, a background receiver, bounded waits.
//
// Every socket made here has a 2 s SO_RCVTIMEO and SO_SNDTIMEO: a library
// that waits for bytes that never come fails a test instead of hanging it.
// A library call that loops without ever waiting is caught too: the test
// program stops with a message after 20 s in one test (a watchdog).
// Waits are on events (a thread blocked in a system call, a counter reaching
// a value, bytes queued), each with a deadline; never a fixed sleep.
//
// Built with -DTCP_LENGTH_HEADER, the same tests check the length-header
// variant (length-header/TCP.cpp): Wire() then gives that format.
#ifndef TCP_TEST_SUPPORT_H
#define TCP_TEST_SUPPORT_H

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "TCP.h"

#if defined(__SANITIZE_ADDRESS__)
#define TCP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TCP_TEST_ASAN 1
#endif
#endif

namespace tcptest {

using namespace std::chrono_literals;

#ifdef TCP_LENGTH_HEADER
constexpr bool kLengthHeader = true;
constexpr int kMaxPayload = 9999;  // 4 decimal digits of header
#else
constexpr bool kLengthHeader = false;
constexpr int kMaxPayload = TAILLE_MAX_DATA;
#endif

constexpr int kTimeoutSeconds = 2;                    // SO_RCVTIMEO, SO_SNDTIMEO
constexpr std::chrono::milliseconds kDeadline = 2s;  // any other wait
// A library call that has bytes to work on returns within microseconds;
// one that runs this long without waiting in a system call is looping.
constexpr std::chrono::milliseconds kSpinLimit = 1s;
// No test takes this long, even on a library whose calls all time out:
// a test that does is stopped (a library call loops forever).
constexpr std::chrono::seconds kTestLimit = 20s;

// ---------------------------------------------------------------- display

// Bytes as a C string literal would show them: printable ASCII as is,
// the rest as \xNN; long strings cut, saying how much was left out.
inline std::string Show(const std::string& bytes, std::size_t limit = 60)
{
    std::string out = "\"";
    const std::size_t shown = bytes.size() < limit ? bytes.size() : limit;
    for (std::size_t i = 0; i < shown; ++i) {
        const unsigned char c = static_cast<unsigned char>(bytes[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    out += '"';
    if (shown < bytes.size()) {
        out += "...(" + std::to_string(bytes.size() - shown) + " more bytes)";
    }
    return out;
}

// "EPROTO (Protocol error)"
inline std::string ErrnoName(int error)
{
    const char* name = strerrorname_np(error);
    std::string out = name != nullptr ? name : "errno " + std::to_string(error);
    return out + " (" + std::strerror(error) + ")";
}

// Compare two byte strings; on a difference, say where it starts.
inline ::testing::AssertionResult SameBytes(const std::string& expected, const std::string& actual)
{
    if (expected == actual) {
        return ::testing::AssertionSuccess();
    }
    std::size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        ++i;
    }
    const std::size_t from = i > 10 ? i - 10 : 0;
    return ::testing::AssertionFailure()
           << "expected " << expected.size() << " bytes, got " << actual.size() << "; first difference at byte " << i
           << ":\n      expected ..." << Show(expected.substr(from)) << "\n      got      ..."
           << Show(actual.substr(from));
}

// A test read as a transcript: the steps so far, shown with every failure.
//   Transcript t("ab# round trip");  t.Step("client: Send(\"ab#\")");
//   EXPECT_EQ(...) << "why" << t;
class Transcript {
public:
    explicit Transcript(std::string scenario) : scenario_(std::move(scenario)) {}
    void Step(const std::string& step) { steps_.push_back(step); }
    friend std::ostream& operator<<(std::ostream& out, const Transcript& t)
    {
        out << "\n  scenario: " << t.scenario_ << "\n  steps so far:";
        for (std::size_t i = 0; i < t.steps_.size(); ++i) {
            out << "\n    " << (i + 1) << ". " << t.steps_[i] << (i + 1 == t.steps_.size() ? "   <== here" : "");
        }
        return out;
    }

private:
    std::string scenario_;
    std::vector<std::string> steps_;
};

// --------------------------------------------------------------- the wire

// The bytes Send(payload) must put on the wire.
inline std::string Wire(const std::string& payload)
{
#ifdef TCP_LENGTH_HEADER
    char header[8];
    std::snprintf(header, sizeof header, "%04zu", payload.size());
    return header + payload;
#else
    return payload + "#)";
#endif
}

// The same bytes with every ')' that follows a '#' turned into '(': a
// payload that Send accepts in both formats.
inline std::string WithoutMarker(std::string bytes)
{
    for (std::size_t i = 1; i < bytes.size(); ++i) {
        if (bytes[i - 1] == '#' && bytes[i] == ')') {
            bytes[i] = '(';
        }
    }
    return bytes;
}

// A payload of n bytes that Send accepts in both formats: varied bytes, and
// never a '#' followed by ')'.
inline std::string Pattern(int n, unsigned seed = 1)
{
    std::string out(static_cast<std::size_t>(n), '\0');
    unsigned x = seed * 2654435761u + 12345u;
    for (int i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        char c = static_cast<char>((x >> 16) & 0xff);
        if (c == ')' && i > 0 && out[static_cast<std::size_t>(i - 1)] == '#') {
            c = '(';
        }
        out[static_cast<std::size_t>(i)] = c;
    }
    return out;
}

// ------------------------------------------------------------ descriptors

// Owns one descriptor: closes it when it goes out of scope.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept
    {
        if (this != &other) {
            Reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { Reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void Reset()
    {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    int fd_ = -1;
};

// A failure of the test's own setup, not of the library: gtest reports the
// exception ("C++ exception with description ...") and goes on.
[[noreturn]] inline void SetupFailed(const std::string& what)
{
    throw std::runtime_error("test setup failed (not the library's fault): " + what + ": " + std::strerror(errno));
}

inline void SetTimeouts(int fd, int seconds = kTimeoutSeconds, long microseconds = 0)
{
    timeval limit{};
    limit.tv_sec = seconds;
    limit.tv_usec = microseconds;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == -1 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) == -1) {
        SetupFailed("setsockopt(SO_RCVTIMEO/SO_SNDTIMEO)");
    }
}

inline sockaddr_in Loopback(const char* ip, int port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
        SetupFailed(std::string("inet_pton(") + ip + ")");
    }
    return a;
}

inline int PortOf(int fd)
{
    sockaddr_in a{};
    socklen_t length = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == -1) {
        SetupFailed("getsockname");
    }
    return ntohs(a.sin_port);
}

// A TCP socket listening on 127.0.0.1 (port 0: the kernel picks one).
// rcvbuf > 0: a small receive buffer, inherited by the accepted sockets.
inline Fd RawListener(int port = 0, int rcvbuf = 0)
{
    Fd s(socket(AF_INET, SOCK_STREAM, 0));
    if (!s.valid()) {
        SetupFailed("socket");
    }
    SetTimeouts(s.get());
    if (rcvbuf > 0 && setsockopt(s.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == -1) {
        SetupFailed("setsockopt(SO_RCVBUF)");
    }
    const sockaddr_in a = Loopback("127.0.0.1", port);
    if (bind(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == -1) {
        SetupFailed("bind(127.0.0.1)");
    }
    if (listen(s.get(), 8) == -1) {
        SetupFailed("listen");
    }
    return s;
}

// A client socket connected to 127.0.0.1:port, from local address `from`.
inline Fd RawClient(int port, const char* from = nullptr, int sndbuf = 0)
{
    Fd s(socket(AF_INET, SOCK_STREAM, 0));
    if (!s.valid()) {
        SetupFailed("socket");
    }
    SetTimeouts(s.get());
    if (sndbuf > 0 && setsockopt(s.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) == -1) {
        SetupFailed("setsockopt(SO_SNDBUF)");
    }
    if (from != nullptr) {
        const sockaddr_in local = Loopback(from, 0);
        if (bind(s.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) == -1) {
            SetupFailed(std::string("bind(") + from + ")");
        }
    }
    const sockaddr_in a = Loopback("127.0.0.1", port);
    if (connect(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == -1) {
        SetupFailed("connect(127.0.0.1)");
    }
    return s;
}

inline Fd RawAccept(int listener)
{
    Fd s(accept(listener, nullptr, nullptr));
    if (!s.valid()) {
        SetupFailed("accept");
    }
    SetTimeouts(s.get());
    return s;
}

// Both ends of one loopback TCP connection.
struct Connection {
    Fd client;
    Fd server;
};

// client_sndbuf, server_rcvbuf > 0: small kernel buffers, so that a big
// Send has to wait for the reader (short writes).
inline Connection MakeConnection(int client_sndbuf = 0, int server_rcvbuf = 0)
{
    Fd listener = RawListener(0, server_rcvbuf);
    Connection c;
    c.client = RawClient(PortOf(listener.get()), nullptr, client_sndbuf);
    c.server = RawAccept(listener.get());
    return c;
}

// Write exactly these bytes, however many send() calls it takes.
inline void WriteRaw(int fd, const std::string& bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            SetupFailed("send (raw write of wire bytes)");
        }
        done += static_cast<std::size_t>(n);
    }
}

// Read n raw bytes, or fewer if the connection ends or the 2 s timeout
// expires first (the caller compares with what it expected).
inline std::string ReadRaw(int fd, std::size_t n)
{
    std::string out;
    char chunk[4096];
    while (out.size() < n) {
        const std::size_t want = n - out.size() < sizeof chunk ? n - out.size() : sizeof chunk;
        const ssize_t got = recv(fd, chunk, want, 0);
        if (got == -1 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            break;
        }
        out.append(chunk, static_cast<std::size_t>(got));
    }
    return out;
}

// Bytes queued for reading on fd (FIONREAD).
inline int Queued(int fd)
{
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) == -1) {
        SetupFailed("ioctl(FIONREAD)");
    }
    return n;
}

// Close with SO_LINGER {1, 0}: the kernel sends a reset (RST), not a FIN.
inline void ResetConnection(Fd& fd)
{
    linger hard{};
    hard.l_onoff = 1;
    hard.l_linger = 0;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == -1) {
        SetupFailed("setsockopt(SO_LINGER)");
    }
    fd.Reset();
}

// Open descriptors of this process (entries of /proc/self/fd; the count
// includes the one opendir() holds while counting, the same every time).
inline int OpenFdCount()
{
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        SetupFailed("opendir(/proc/self/fd)");
    }
    int n = 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') {
            ++n;
        }
    }
    closedir(dir);
    return n;
}

// ------------------------------------------------------- receive buffers

#ifndef TCP_TEST_ASAN
// The guard pages of the live GuardedBuffers, so that a crash in one says
// what happened before the program dies.
constexpr int kMaxGuards = 64;
inline std::atomic<std::uintptr_t> g_guard_pages[kMaxGuards];
inline std::uintptr_t g_page_size = 0;

inline void OnGuardPageFault(int, siginfo_t* info, void*)
{
    const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (const std::atomic<std::uintptr_t>& guard : g_guard_pages) {
        const std::uintptr_t start = guard.load();
        if (start != 0 && at >= start && at < start + g_page_size) {
            static const char message[] =
                "\nFATAL: the library wrote past the end of a buffer it was given (SIGSEGV in the guard page "
                "right after it).\n  Receive: data holds TAILLE_MAX_DATA bytes; a longer frame must be refused "
                "with EMSGSIZE, not copied.\n  Accept: ipClient holds INET_ADDRSTRLEN (16) chars.\n";
            const ssize_t written = ::write(STDERR_FILENO, message, sizeof message - 1);
            (void)written;  // nothing to do if stderr is gone
        }
    }
    // SA_RESETHAND put the default action back: returning retries the
    // faulting write, and the program dies of SIGSEGV as it would have.
}

inline bool InstallGuardPageHandler()
{
    g_page_size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    struct sigaction action {};
    action.sa_sigaction = &OnGuardPageFault;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | SA_RESETHAND;
    return sigaction(SIGSEGV, &action, nullptr) == 0;
}
inline const bool g_guard_page_handler = InstallGuardPageHandler();
#endif

// `size` bytes that end exactly where memory stops being writable, so a
// write one byte too far is caught at once: a PROT_NONE page follows (the
// write crashes the test with SIGSEGV, after a message saying why), or,
// under AddressSanitizer, the bytes are an exact heap block (ASan reports a
// heap-buffer-overflow). A read() that the library asks the kernel to make
// past the end fails with EFAULT instead.
class GuardedBuffer {
public:
    explicit GuardedBuffer(std::size_t size = TAILLE_MAX_DATA) : size_(size)
    {
#ifdef TCP_TEST_ASAN
        heap_ = new char[size];
        data_ = heap_;
#else
        const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t pages = (size + page - 1) / page;
        length_ = (pages + 1) * page;
        void* base = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) {
            SetupFailed("mmap");
        }
        base_ = static_cast<char*>(base);
        if (mprotect(base_ + pages * page, page, PROT_NONE) == -1) {
            SetupFailed("mprotect");
        }
        data_ = base_ + pages * page - size;
        const std::uintptr_t guard = reinterpret_cast<std::uintptr_t>(base_ + pages * page);
        for (std::atomic<std::uintptr_t>& slot : g_guard_pages) {
            std::uintptr_t empty = 0;
            if (slot.compare_exchange_strong(empty, guard)) {
                slot_ = &slot;
                break;
            }
        }
#endif
        std::memset(data_, 0xA5, size_);
    }
    GuardedBuffer(const GuardedBuffer&) = delete;
    GuardedBuffer& operator=(const GuardedBuffer&) = delete;
    ~GuardedBuffer()
    {
#ifdef TCP_TEST_ASAN
        delete[] heap_;
#else
        if (slot_ != nullptr) {
            slot_->store(0);
        }
        munmap(base_, length_);
#endif
    }
    char* data() { return data_; }
    std::size_t size() const { return size_; }

private:
    std::size_t size_;
    char* data_ = nullptr;
#ifdef TCP_TEST_ASAN
    char* heap_ = nullptr;
#else
    char* base_ = nullptr;
    std::size_t length_ = 0;
    std::atomic<std::uintptr_t>* slot_ = nullptr;
#endif
};

// ------------------------------------------------- calling the library

// The library's calls, with arguments that compile against both the kit's
// TCP.h (const char*) and the course's (char*): the strings are copied into
// modifiable buffers.
inline int SendPayload(int fd, std::string payload)
{
    return Send(fd, payload.data(), static_cast<int>(payload.size()));
}

inline int ConnectTo(std::string host, int port)
{
    return ClientSocket(host.data(), port);
}

// What one Receive returned.
struct Received {
    int rc = -1;
    int error = 0;         // errno, when rc == -1
    std::string payload;   // the rc bytes written into data, when rc > 0
};

inline std::ostream& operator<<(std::ostream& out, const Received& r)
{
    out << "Receive returned " << r.rc;
    if (r.rc > 0) {
        out << ", payload " << Show(r.payload);
    } else if (r.rc == -1) {
        out << " with errno " << ErrnoName(r.error);
        if (r.error == EAGAIN || r.error == EWOULDBLOCK) {
            out << " (SO_RCVTIMEO expired: Receive was still waiting for bytes " << kTimeoutSeconds
                << " s later)";
        }
        if (r.error == EFAULT) {
            out << " (the kernel refused to write past the end of data: a read into data asked for more room "
                   "than it has; data holds TAILLE_MAX_DATA bytes)";
        }
    }
    return out;
}

// One Receive into a guarded buffer of exactly TAILLE_MAX_DATA bytes.
inline Received ReceiveOne(int fd)
{
    GuardedBuffer buffer;
    Received r;
    errno = 0;
    r.rc = Receive(fd, buffer.data());
    r.error = errno;
    if (r.rc > 0 && r.rc <= TAILLE_MAX_DATA) {
        r.payload.assign(buffer.data(), static_cast<std::size_t>(r.rc));
    }
    return r;
}

// Receive returned exactly this payload.
inline ::testing::AssertionResult GotPayload(const Received& r, const std::string& expected)
{
    if (r.rc == static_cast<int>(expected.size()) && r.payload == expected) {
        return ::testing::AssertionSuccess();
    }
    ::testing::AssertionResult failure = ::testing::AssertionFailure();
    failure << r << "; expected " << expected.size() << " with payload " << Show(expected);
    if (r.rc > 0) {
        failure << "\n    " << SameBytes(expected, r.payload).message();
    }
    return failure;
}

// Receive returned -1 with this errno (or `also`, when given).
inline ::testing::AssertionResult GotError(const Received& r, int error, int also = 0)
{
    if (r.rc == -1 && (r.error == error || (also != 0 && r.error == also))) {
        return ::testing::AssertionSuccess();
    }
    ::testing::AssertionResult failure = ::testing::AssertionFailure();
    failure << r << "; expected -1 with errno " << ErrnoName(error);
    if (also != 0) {
        failure << " or " << ErrnoName(also);
    }
    return failure;
}

// ------------------------------------------------------ threads, waits

// Wait until done() is true, looking again every 50 us; false after `limit`.
// (A poll for an event with a deadline, not a sleep hoping it happened.)
template <class Condition>
bool PollUntil(Condition done, std::chrono::milliseconds limit = kDeadline)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(50us);
    }
    return true;
}

// The scheduler state of one of our threads: 'R' running, 'S' asleep in a
// system call (waiting for bytes, a connection...), '?' if it is gone.
inline char ThreadState(pid_t tid)
{
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) {
        return '?';
    }
    const std::size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() ? line[paren + 2] : '?';
}

enum class Waited { kBlocked, kFinished, kStillRunning };

// Wait until thread `tid` sleeps in a system call, or `finished` says it
// returned. kStillRunning after the deadline: it neither waits nor ends
// (a library that loops without waiting for bytes).
inline Waited WaitUntilBlocked(pid_t tid, const std::atomic<bool>& finished, std::chrono::milliseconds limit = kDeadline)
{
    Waited result = Waited::kStillRunning;
    PollUntil(
        [&] {
            if (finished.load()) {
                result = Waited::kFinished;
            } else if (ThreadState(tid) == 'S') {
                result = Waited::kBlocked;
            } else {
                return false;
            }
            return true;
        },
        limit);
    return result;
}

// Counts the deliveries of a signal, through a handler installed WITHOUT
// SA_RESTART: a system call blocked when it comes fails with EINTR (or
// returns a short count), as it does in programs that handle SIGINT.
// The previous action comes back when the counter goes out of scope.
class SignalCounter {
public:
    explicit SignalCounter(int signal_number) : signal_(signal_number)
    {
        Hits(signal_).store(0);
        struct sigaction action {};
        action.sa_handler = &SignalCounter::Handler;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART, on purpose
        if (sigaction(signal_, &action, &previous_) == -1) {
            SetupFailed("sigaction");
        }
    }
    SignalCounter(const SignalCounter&) = delete;
    SignalCounter& operator=(const SignalCounter&) = delete;
    ~SignalCounter() { sigaction(signal_, &previous_, nullptr); }
    int count() const { return Hits(signal_).load(); }

private:
    static std::atomic<int>& Hits(int signal_number)
    {
        static std::atomic<int> hits[NSIG];
        return hits[signal_number];
    }
    static void Handler(int signal_number) { Hits(signal_number).fetch_add(1); }

    int signal_;
    struct sigaction previous_ {};
};

// Send SIGUSR1 to a thread and wait until the handler ran. False (with a
// failure) if it did not: the caller stops signalling and joins its thread.
inline bool SignalAndWait(pthread_t thread, const SignalCounter& signals, int before, const Transcript& t)
{
    if (pthread_kill(thread, SIGUSR1) != 0) {
        ADD_FAILURE() << "test setup: pthread_kill failed" << t;
        return false;
    }
    if (!PollUntil([&] { return signals.count() > before; })) {
        ADD_FAILURE() << "test setup: the signal was never handled" << t;
        return false;
    }
    return true;
}

// Runs `frames` Receives on fd in a thread of its own, so the test can feed
// the connection while it waits. Stops early when the connection is over:
// after a 0, or a -1 other than EMSGSIZE and EBADMSG (after those two the
// stream stays usable, see TCP.h).
class BackgroundReceiver {
public:
    BackgroundReceiver(int fd, int frames) : fd_(fd)
    {
        thread_ = std::thread([this, frames] {
            tid_.store(gettid());
            for (int i = 0; i < frames; ++i) {
                Received r = ReceiveOne(fd_);
                const bool last = r.rc == 0 || (r.rc == -1 && r.error != EMSGSIZE && r.error != EBADMSG);
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    results_.push_back(std::move(r));
                }
                if (last) {
                    break;
                }
            }
            std::lock_guard<std::mutex> lock(mutex_);
            finished_.store(true);
            ended_.notify_all();
        });
        PollUntil([this] { return tid_.load() != 0; });
    }
    BackgroundReceiver(const BackgroundReceiver&) = delete;
    BackgroundReceiver& operator=(const BackgroundReceiver&) = delete;
    ~BackgroundReceiver()
    {
        if (thread_.joinable()) {
            Join();
        }
    }

    pid_t tid() const { return tid_.load(); }
    pthread_t handle() { return thread_.native_handle(); }
    bool finished() const { return finished_.load(); }
    Waited WaitUntilBlocked(std::chrono::milliseconds limit = kDeadline) const
    {
        return tcptest::WaitUntilBlocked(tid_.load(), finished_, limit);
    }

    // Wait for the thread to end and return what each Receive returned.
    // Receive is bounded by SO_RCVTIMEO; one that still does not return
    // (it loops without waiting) is stopped by shutting the socket down, and
    // failing that, the test program stops with a message.
    std::vector<Received> Join()
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!ended_.wait_for(lock, 2 * kDeadline + 1s, [this] { return finished_.load(); })) {
            shutdown(fd_, SHUT_RDWR);
            if (!ended_.wait_for(lock, kDeadline, [this] { return finished_.load(); })) {
                std::fprintf(stderr,
                             "FATAL: Receive never returned, even after the connection was shut down: it loops "
                             "without waiting for bytes (e.g. a recv(MSG_PEEK) that keeps seeing the same bytes "
                             "because nothing is consumed).\n");
                std::fflush(stderr);
                std::abort();
            }
        }
        lock.unlock();
        thread_.join();
        return results_;
    }

private:
    int fd_;
    std::atomic<pid_t> tid_{0};
    std::atomic<bool> finished_{false};
    std::mutex mutex_;
    std::condition_variable ended_;
    std::vector<Received> results_;
    std::thread thread_;
};

// Feed `pieces` to fd one at a time, each only once `receiver` is blocked
// waiting for bytes (so each piece really arrives as a separate segment,
// after Receive has taken what came before). When Receive keeps running
// without waiting (it spins), adds a failure and writes the rest at once.
inline void FeedWhileBlocked(int fd, BackgroundReceiver& receiver, const std::vector<std::string>& pieces,
                             const Transcript& t)
{
    bool spinning = false;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (!spinning && receiver.WaitUntilBlocked(kSpinLimit) == Waited::kStillRunning) {
            spinning = true;
            ADD_FAILURE() << "Receive neither waited for the rest of the frame nor returned within "
                          << kSpinLimit.count() << " ms after piece " << i
                          << ": it loops without waiting. After a chunk that ends with '#', consume the '#' and "
                             "remember it; a peek that leaves it queued sees it again at once and spins."
                          << t;
        }
        WriteRaw(fd, pieces[i]);
    }
}

// Cut bytes into pieces at the given offsets (increasing, inside bytes).
inline std::vector<std::string> CutAt(const std::string& bytes, const std::vector<std::size_t>& offsets)
{
    std::vector<std::string> pieces;
    std::size_t from = 0;
    for (const std::size_t at : offsets) {
        pieces.push_back(bytes.substr(from, at - from));
        from = at;
    }
    pieces.push_back(bytes.substr(from));
    return pieces;
}

// What the watchdog below knows of the running test.
struct WatchdogState {
    std::mutex mutex;
    std::condition_variable changed;
    bool started = false;
    bool armed = false;
    std::string test;
    std::chrono::steady_clock::time_point deadline;
};

// Never destroyed: the detached watcher thread may use it until the end.
inline WatchdogState& TheWatchdogState()
{
    static WatchdogState* state = new WatchdogState;
    return *state;
}

// Stops the test program, with a message, when one test runs longer than
// kTestLimit: a library call that loops without waiting (e.g. a Receive
// that peeks at bytes it never consumes) cannot be interrupted otherwise,
// and SO_RCVTIMEO bounds only the calls that wait.
class Watchdog : public ::testing::EmptyTestEventListener {
public:
    void OnTestStart(const ::testing::TestInfo& test) override
    {
        WatchdogState& state = TheWatchdogState();
        std::lock_guard<std::mutex> lock(state.mutex);
        if (!state.started) {
            state.started = true;
            std::thread(&Watchdog::Watch).detach();
        }
        state.test = std::string(test.test_suite_name()) + "." + test.name();
        state.deadline = std::chrono::steady_clock::now() + kTestLimit;
        state.armed = true;
        state.changed.notify_all();
    }
    void OnTestEnd(const ::testing::TestInfo&) override
    {
        WatchdogState& state = TheWatchdogState();
        std::lock_guard<std::mutex> lock(state.mutex);
        state.armed = false;
        state.changed.notify_all();
    }

private:
    static void Watch()
    {
        WatchdogState& state = TheWatchdogState();
        std::unique_lock<std::mutex> lock(state.mutex);
        for (;;) {
            if (!state.armed) {
                state.changed.wait(lock);
            } else if (state.changed.wait_until(lock, state.deadline) == std::cv_status::timeout && state.armed &&
                       std::chrono::steady_clock::now() >= state.deadline) {
                std::fprintf(stderr,
                             "\nFATAL: %s has run for %lld s: a library call loops without ever waiting or "
                             "returning (e.g. a Receive that peeks with MSG_PEEK at bytes it never consumes, such "
                             "as a final '#'). The test program is stopped.\n",
                             state.test.c_str(), static_cast<long long>(kTestLimit.count()));
                std::fflush(stderr);
                std::abort();
            }
        }
    }
};

inline const bool g_watchdog_installed = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new Watchdog);
    return true;
}();

}  // namespace tcptest

#endif  // TCP_TEST_SUPPORT_H
