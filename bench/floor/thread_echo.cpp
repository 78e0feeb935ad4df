// thread_echo: the yardstick of lab 10's thread-per-connection server. One
// thread per connection, blocking sockets, each frame ("payload#)") sent
// back unchanged: the same concurrency model with no protocol work.
//
// usage: thread_echo port    (loopback only: it binds 127.0.0.1)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

bool SendAll(int fd, const char* data, std::size_t size)
{
    while (size > 0) {
        const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

void Serve(int fd)
{
    std::string in;
    char buffer[16384];
    for (;;) {
        const ssize_t got = read(fd, buffer, sizeof buffer);
        if (got == -1 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        in.append(buffer, static_cast<std::size_t>(got));
        const std::size_t end = in.rfind("#)");
        if (end == std::string::npos)
            continue;
        if (!SendAll(fd, in.data(), end + 2))
            break;
        in.erase(0, end + 2);
    }
    close(fd);
}

}  // namespace

int main(int argc, char* argv[])
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: thread_echo port\n");
        return 2;
    }
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener == -1 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
        bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1 || listen(listener, 4096) == -1) {
        std::perror("thread_echo: listen");
        return 1;
    }
    for (;;) {
        const int client = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            std::perror("thread_echo: accept");
            return 1;
        }
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread(Serve, client).detach();
    }
}
