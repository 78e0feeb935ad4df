// echo_floor: the floor every server of the kit is measured against. A bare
// epoll server, level-triggered, one thread: it sends back every frame
// ("payload#)") it receives, unchanged, with no protocol work at all.
// Nothing a SMOP server does can be cheaper per request than this.
//
// usage: echo_floor port    (loopback only: it binds 127.0.0.1)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

int main(int argc, char* argv[])
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: echo_floor port\n");
        return 2;
    }
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener == -1 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
        bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1 || listen(listener, 4096) == -1) {
        std::perror("echo_floor: listen");
        return 1;
    }
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    if (epoll == -1 || epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event) == -1) {
        std::perror("echo_floor: epoll");
        return 1;
    }
    std::printf("echo_floor ready\n");
    std::fflush(stdout);
    std::map<int, std::string> pending;  // bytes of an incomplete frame, per connection
    epoll_event events[256];
    char buffer[16384];
    for (;;) {
        const int n = epoll_wait(epoll, events, 256, -1);
        if (n == -1 && errno != EINTR)
            return 1;
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event e{};
                    e.events = EPOLLIN;
                    e.data.fd = client;
                    epoll_ctl(epoll, EPOLL_CTL_ADD, client, &e);
                }
                continue;
            }
            const ssize_t got = read(fd, buffer, sizeof buffer);
            if (got <= 0) {
                if (got == -1 && (errno == EAGAIN || errno == EINTR))
                    continue;
                pending.erase(fd);
                close(fd);
                continue;
            }
            std::string& in = pending[fd];
            in.append(buffer, static_cast<std::size_t>(got));
            const std::size_t end = in.rfind("#)");
            if (end == std::string::npos)
                continue;
            // Whole frames go back as they came (the client waits for them, so they fit).
            if (send(fd, in.data(), end + 2, MSG_NOSIGNAL) == -1) {
                pending.erase(fd);
                close(fd);
                continue;
            }
            in.erase(0, end + 2);
        }
    }
}
