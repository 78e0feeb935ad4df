// smop-bench: a load generator for SMOP servers (labs 09-12), and for Redis.
//
//   smop-bench [options] HOST PORT
//     -c, --connections N   connections at once (default 10)
//     -n, --requests K      operations per connection (default 1000)
//     -r, --rate R          open loop: R requests per second in all, at fixed
//                           intervals (default: closed loop, one request in
//                           flight per connection)
//     -d, --duration S      stop after S seconds whatever is left (default 30)
//     -s, --stall-ms MS     a request unanswered this long is a stall (default 2000)
//     -m, --mode smop|echo|ping  smop: LOGIN, K x OPER#+#i#1, LOGOUT (checks
//                           each reply); echo: K frames echo-i#), each reply
//                           ending with its request (lab 09's echo server); ping: K x
//                           Redis inline "PING" (+PONG)
//     -u, --user U -p, --password P   the account for LOGIN (wagner / abc123)
//         --json            one JSON object instead of the text summary
//
// One thread, non-blocking sockets, epoll: the client itself must not be
// the bottleneck it measures. Latency is measured from when a request was
// due (open loop) or sent (closed loop) to when its whole reply arrived, in
// a log-linear histogram (histogram.h). The run is bounded in requests and
// in time, and talks to loopback only (127.0.0.0/8 or ::1): it refuses any
// other address. Exit status: 0 all answered correctly, 1 errors, 3 stalls
// (or time up with requests unanswered), 2 bad command line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "histogram.h"

namespace {

using Clock = std::chrono::steady_clock;

// A server that never ends its reply must not grow the client without bound.
constexpr std::size_t kMaxReply = 1 << 20;

// text as the inside of a JSON string: the server's bytes may hold anything.
std::string JsonEscaped(const std::string& text)
{
    std::string out;
    for (const unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

enum class Mode { Smop, Echo, Ping };

const char* ModeName(Mode mode)
{
    return mode == Mode::Smop ? "smop" : mode == Mode::Echo ? "echo" : "ping";
}

struct Options {
    std::string host;
    int port = 0;
    int connections = 10;
    long requests = 1000;
    double rate = 0;          // 0: closed loop
    double duration = 30;
    long stallMs = 2000;
    Mode mode = Mode::Smop;
    bool json = false;
    std::string user = "wagner";
    std::string password = "abc123";
};

[[noreturn]] void Usage(const char* why)
{
    std::fprintf(stderr, "smop-bench: %s\n"
                 "usage: smop-bench [-c connections] [-n requests] [-r rate] [-d seconds] [-s stall-ms]\n"
                 "                  [-m smop|echo|ping] [-u user] [-p password] [--json] HOST PORT\n"
                 "       HOST must be a loopback address (127.x.y.z or ::1)\n", why);
    std::exit(2);
}

double Number(const char* text, const char* what)
{
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || value < 0)
        Usage((std::string("bad ") + what + ": " + text).c_str());
    return value;
}

Options Parse(int argc, char* argv[])
{
    Options o;
    std::vector<std::string> rest;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](const char* what) -> const char* {
            if (i + 1 >= argc)
                Usage((std::string(what) + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "-c" || a == "--connections") o.connections = static_cast<int>(Number(value("-c"), "connections"));
        else if (a == "-n" || a == "--requests") o.requests = static_cast<long>(Number(value("-n"), "requests"));
        else if (a == "-r" || a == "--rate") o.rate = Number(value("-r"), "rate");
        else if (a == "-d" || a == "--duration") o.duration = Number(value("-d"), "duration");
        else if (a == "-s" || a == "--stall-ms") o.stallMs = static_cast<long>(Number(value("-s"), "stall-ms"));
        else if (a == "-m" || a == "--mode") {
            const std::string mode = value("-m");
            if (mode == "smop") o.mode = Mode::Smop;
            else if (mode == "echo") o.mode = Mode::Echo;
            else if (mode == "ping") o.mode = Mode::Ping;
            else Usage("mode must be smop, echo or ping");
        } else if (a == "-u" || a == "--user") o.user = value("-u");
        else if (a == "-p" || a == "--password") o.password = value("-p");
        else if (a == "--json") o.json = true;
        else if (!a.empty() && a[0] == '-') Usage(("unknown option " + a).c_str());
        else rest.push_back(a);
    }
    if (rest.size() != 2)
        Usage("HOST and PORT are required");
    o.host = rest[0];
    o.port = static_cast<int>(Number(rest[1].c_str(), "port"));
    if (o.port < 1 || o.port > 65535)
        Usage("port must be 1..65535");
    if (o.connections < 1 || o.connections > 10000 || o.requests < 1 || o.duration <= 0 || o.stallMs < 1)
        Usage("connections 1..10000, requests >= 1, duration > 0, stall-ms >= 1");
    return o;
}

// The server's address, if it is a loopback one (the network rule: never anything else).
bool LoopbackAddress(const std::string& host, int port, sockaddr_storage& address, socklen_t& length)
{
    address = {};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127)
            return false;
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<uint16_t>(port));
        length = sizeof *v4;
        return true;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1 && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<uint16_t>(port));
        length = sizeof *v6;
        return true;
    }
    return false;
}

struct Connection {
    int fd = -1;
    int phase = 0;                    // smop: 0 login, 1 operations, 2 logout, 3 done
    long sent = 0;                    // operations sent
    long answered = 0;                // operations answered
    std::deque<Clock::time_point> due;  // when each request in flight was due
    std::deque<std::string> expected;   // the reply each of them must get
    std::string in;
    std::string out;
    bool connected = false;
    bool done = false;
};

class Bench {
public:
    explicit Bench(const Options& o) : o_(o) {}
    int Run();

private:
    bool Open(Connection& c);
    void Queue(Connection& c, const std::string& request, const std::string& reply, Clock::time_point due);
    void NextRequest(Connection& c, Clock::time_point due);
    void Flush(Connection& c);
    void Read(Connection& c);
    void Finish(Connection& c, bool failed, const char* why);
    // Every request of c's script has been sent.
    bool ScriptDone(const Connection& c) const
    {
        return o_.mode == Mode::Smop ? c.phase == 2 : c.sent >= o_.requests;
    }
    std::string Terminator() const { return o_.mode == Mode::Ping ? "\r\n" : "#)"; }

    const Options& o_;
    int epoll_ = -1;
    std::vector<Connection> connections_;
    Histogram latency_;
    long errors_ = 0;
    long opsDone_ = 0;
    int open_ = 0;
    std::string firstError_;
    sockaddr_storage address_{};
    socklen_t addressLength_ = 0;
};

bool Bench::Open(Connection& c)
{
    c.fd = socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd == -1)
        return false;
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&address_), addressLength_) == -1 && errno != EINPROGRESS) {
        close(c.fd);
        c.fd = -1;
        return false;
    }
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT;
    e.data.ptr = &c;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &e) == -1) {
        close(c.fd);
        c.fd = -1;
        return false;
    }
    ++open_;
    return true;
}

void Bench::Queue(Connection& c, const std::string& request, const std::string& reply, Clock::time_point due)
{
    c.out += request + Terminator();
    c.expected.push_back(reply + Terminator());
    c.due.push_back(due);
}

// The next request of c's script (closed loop: after each reply; open loop: when due).
void Bench::NextRequest(Connection& c, Clock::time_point due)
{
    if (o_.mode == Mode::Ping) {
        if (c.sent < o_.requests) {
            ++c.sent;
            Queue(c, "PING", "+PONG", due);
        }
        return;
    }
    if (o_.mode == Mode::Echo) {
        if (c.sent < o_.requests) {
            const std::string payload = "echo-" + std::to_string(c.sent++);
            Queue(c, payload, payload, due);
        }
        return;
    }
    if (c.phase == 0) {
        Queue(c, "LOGIN#" + o_.user + "#" + o_.password, "LOGIN#ok", due);
        c.phase = 1;
    } else if (c.phase == 1 && c.sent < o_.requests) {
        const long i = c.sent++;
        Queue(c, "OPER#+#" + std::to_string(i) + "#1", "OPER#ok#" + std::to_string(i + 1), due);
    } else if (c.phase == 1) {
        Queue(c, "LOGOUT", "LOGOUT#ok", due);
        c.phase = 2;
    }
}

void Bench::Flush(Connection& c)
{
    while (!c.out.empty()) {
        const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                Finish(c, true, std::strerror(errno));
            return;
        }
        c.out.erase(0, static_cast<std::size_t>(n));
    }
}

void Bench::Finish(Connection& c, bool failed, const char* why)
{
    if (c.done)
        return;
    if (failed) {
        ++errors_;
        if (firstError_.empty())
            firstError_ = why;
    }
    c.done = true;
    if (c.fd != -1) {
        close(c.fd);
        c.fd = -1;
        --open_;
    }
}

void Bench::Read(Connection& c)
{
    char buffer[16384];
    for (;;) {
        const ssize_t n = read(c.fd, buffer, sizeof buffer);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                Finish(c, true, std::strerror(errno));
            break;
        }
        if (n == 0) {
            Finish(c, !c.expected.empty() || !ScriptDone(c), "the server closed the connection");
            return;
        }
        c.in.append(buffer, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buffer)
            break;
    }
    const std::string end = Terminator();
    std::size_t at;
    if (c.in.size() > kMaxReply && c.in.find(end) == std::string::npos) {
        Finish(c, true, "a reply of more than 1 MiB without its end marker");
        return;
    }
    while (!c.done && (at = c.in.find(end)) != std::string::npos) {
        const std::string reply = c.in.substr(0, at + end.size());
        c.in.erase(0, at + end.size());
        if (c.expected.empty()) {
            Finish(c, true, "a reply that no request asked for");
            return;
        }
        const auto now = Clock::now();
        latency_.Record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.due.front()).count()));
        const std::string& want = c.expected.front();
        // Echo: the reply must end with the request (lab 09's server puts "[SERVEUR] " before it).
        const bool endsWithWant =
            reply.size() >= want.size() && reply.compare(reply.size() - want.size(), want.size(), want) == 0;
        const bool right = o_.mode == Mode::Echo ? endsWithWant : reply == want;
        if (!right) {
            ++errors_;
            if (firstError_.empty())
                firstError_ = "expected " + c.expected.front() + ", got " + reply.substr(0, 200);
        }
        c.expected.pop_front();
        c.due.pop_front();
        ++opsDone_;
        if (o_.rate == 0)
            NextRequest(c, now);
        if (c.expected.empty() && ScriptDone(c)) {
            Finish(c, false, "");
            return;
        }
    }
}

int Bench::Run()
{
    if (!LoopbackAddress(o_.host, o_.port, address_, addressLength_))
        Usage(("refusing " + o_.host + ": smop-bench talks to loopback addresses only").c_str());
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ == -1) {
        std::perror("smop-bench: epoll_create1");
        return 1;
    }
    connections_.resize(static_cast<std::size_t>(o_.connections));
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.duration));
    for (auto& c : connections_) {
        if (!Open(c))
            Finish(c, true, "socket/connect failed");
        else if (o_.rate == 0)
            NextRequest(c, Clock::now());
    }
    // Open loop: request j (over all connections, round robin) is due at start + j / rate.
    const long perConnection = o_.mode == Mode::Smop ? o_.requests + 2 : o_.requests;
    const long totalPlanned = perConnection * o_.connections;
    long scheduled = 0;
    std::vector<epoll_event> events(256);
    bool stalled = false;
    bool timeUp = false;
    while (open_ > 0) {
        auto now = Clock::now();
        if (now >= deadline) {
            timeUp = true;
            break;
        }
        if (o_.rate > 0) {
            while (scheduled < totalPlanned) {
                const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(static_cast<double>(scheduled) / o_.rate));
                if (due > now)
                    break;
                Connection& c = connections_[static_cast<std::size_t>(scheduled % o_.connections)];
                if (!c.done)
                    NextRequest(c, due);
                ++scheduled;
            }
        }
        // A request in flight longer than the stall limit ends the run: the
        // server has stopped answering (or answers one client only).
        for (auto& c : connections_) {
            if (!c.done && !c.due.empty() && now - c.due.front() > std::chrono::milliseconds(o_.stallMs)) {
                stalled = true;
                ++errors_;
                if (firstError_.empty())
                    firstError_ = "a request unanswered for " + std::to_string(o_.stallMs) + " ms";
                Finish(c, false, "");
            }
        }
        for (auto& c : connections_)
            if (!c.done && !c.out.empty() && c.connected)
                Flush(c);
        int timeout = 100;
        if (o_.rate > 0)
            timeout = 1;
        const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
        if (n == -1 && errno != EINTR) {
            std::perror("smop-bench: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            Connection& c = *static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
            if (c.done)
                continue;
            const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
            if (!c.connected && (what & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error != 0) {
                    Finish(c, true, std::strerror(error));
                    continue;
                }
                c.connected = true;
                epoll_event e{};
                e.events = EPOLLIN;
                e.data.ptr = &c;
                epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &e);
            }
            if (c.connected && (what & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                Read(c);
            if (!c.done && c.connected)
                Flush(c);
        }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    long unanswered = 0;
    for (auto& c : connections_) {
        unanswered += static_cast<long>(c.expected.size());
        Finish(c, false, "");
    }
    close(epoll_);
    const double throughput = seconds > 0 ? static_cast<double>(opsDone_) / seconds : 0;
    auto us = [&](double f) { return static_cast<double>(latency_.Percentile(f)) / 1000.0; };
    if (o_.json) {
        std::printf("{\"mode\":\"%s\",\"connections\":%d,\"replies\":%ld,\"errors\":%ld,\"stalled\":%s,"
                    "\"time_up\":%s,\"unanswered\":%ld,\"seconds\":%.3f,\"throughput\":%.1f,"
                    "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"first_error\":\"%s\"}\n",
                    ModeName(o_.mode), o_.connections, opsDone_, errors_, stalled ? "true" : "false",
                    timeUp ? "true" : "false", unanswered, seconds, throughput, us(0.5), us(0.99), us(0.999),
                    static_cast<double>(latency_.Max()) / 1000.0, JsonEscaped(firstError_).c_str());
    } else {
        std::printf("%s, %d connections: %ld replies in %.2f s = %.0f replies/s\n", ModeName(o_.mode),
                    o_.connections, opsDone_, seconds, throughput);
        std::printf("latency: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", us(0.5), us(0.99), us(0.999),
                    static_cast<double>(latency_.Max()) / 1000.0);
        std::printf("errors: %ld%s%s%s\n", errors_, firstError_.empty() ? "" : " (first: ", firstError_.c_str(),
                    firstError_.empty() ? "" : ")");
        if (stalled)
            std::printf("STALLED: a request waited more than %ld ms for its reply\n", o_.stallMs);
        if (timeUp)
            std::printf("TIME UP after %.0f s: %ld requests unanswered\n", o_.duration, unanswered);
    }
    if (stalled || timeUp)
        return 3;
    return errors_ > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char* argv[])
{
    const Options options = Parse(argc, argv);
    return Bench(options).Run();
}
