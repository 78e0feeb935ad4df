// Serveur of lab 07: lab 06's server, with SO_REUSEADDR set on its listening
// socket before bind(), so that it can be restarted at once while its last
// connection is still in TIME_WAIT.
//
// Run it, serve one Client, and run it again at once: it binds port 50000.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace {
constexpr const char* kPort = "50000";       // the course's server port
constexpr size_t kReadSize = 5;              // each read() asks for at most 5 bytes
constexpr const char kPrefix[] = "[SERVEUR] ";
constexpr size_t kPrefixLength = sizeof kPrefix - 1;
}  // namespace

int main()
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    std::printf("pid = %d\n", static_cast<int>(getpid()));

    // BEGIN SOLUTION: ignore SIGPIPE; socket(); setsockopt(SO_REUSEADDR) before bind() and print the value getsockopt() reads back ("SO_REUSEADDR = 1"); bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 06
    // A client that leaves before the answer must not kill the server:
    // with SIGPIPE ignored, write() reports EPIPE instead.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (sigaction(SIGPIPE, &ignore, nullptr) == -1) {
        std::perror("Serveur: sigaction");
        return EXIT_FAILURE;
    }

    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener == -1) {
        std::perror("Serveur: socket");
        return EXIT_FAILURE;
    }
    std::printf("socket creee = %d\n", listener);

    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(nullptr, kPort, &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "Serveur: getaddrinfo: %s\n", gai_strerror(rc));
        return EXIT_FAILURE;
    }
    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    int nrc = getnameinfo(results->ai_addr, results->ai_addrlen, host, sizeof host, port,
                          sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (nrc != 0) {
        std::fprintf(stderr, "Serveur: getnameinfo: %s\n", gai_strerror(nrc));
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    std::printf("Mon Adresse IP: %s -- Mon Port: %s\n", host, port);

    // A connection this server closed first stays in TIME_WAIT for a minute,
    // and without this option bind() refuses port 50000 while it does. The
    // option must be set before bind(): bind() is where the kernel checks.
    const int on = 1;
    if (setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1) {
        std::perror("Serveur: setsockopt(SO_REUSEADDR)");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    // Read the option back, as a check that it is really set on this socket.
    int value = 0;
    socklen_t value_len = sizeof value;
    if (getsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &value, &value_len) == -1) {
        std::perror("Serveur: getsockopt(SO_REUSEADDR)");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    std::printf("SO_REUSEADDR = %d\n", value);

    if (bind(listener, results->ai_addr, results->ai_addrlen) == -1) {
        std::perror("Serveur: bind");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    freeaddrinfo(results);
    std::printf("bind() reussi !\n");

    if (listen(listener, SOMAXCONN) == -1) {
        std::perror("Serveur: listen");
        return EXIT_FAILURE;
    }
    std::printf("listen() reussi !\n");

    int service;
    do {
        service = accept(listener, nullptr, nullptr);
    } while (service == -1 && (errno == EINTR || errno == ECONNABORTED));
    if (service == -1) {
        std::perror("Serveur: accept");
        return EXIT_FAILURE;
    }
    std::printf("accept() reussi !\n");
    std::printf("socket de service = %d\n", service);

    sockaddr_in client{};
    socklen_t client_len = sizeof client;
    if (getpeername(service, reinterpret_cast<sockaddr*>(&client), &client_len) == -1) {
        std::perror("Serveur: getpeername");
        return EXIT_FAILURE;
    }
    nrc = getnameinfo(reinterpret_cast<sockaddr*>(&client), client_len, host, sizeof host, port,
                      sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (nrc != 0) {
        std::fprintf(stderr, "Serveur: getnameinfo: %s\n", gai_strerror(nrc));
        return EXIT_FAILURE;
    }
    std::printf("Client connecte --> Adresse IP: %s -- Port: %s\n", host, port);
    // END SOLUTION

    // BEGIN SOLUTION: as in lab 06: two read() calls of at most 5 bytes each, printing "nbLus = N Lu: --bytes--" after each; build the answer "[SERVEUR] " + the bytes read, write() all of it, print "nbEcrits = N Ecrit: --answer--"; close() both sockets
    // The answer: the prefix, then whatever the two reads return. A read
    // returns what has arrived, between 1 and 5 bytes (0 once the client has
    // closed its side): never assume it fills the buffer.
    char answer[kPrefixLength + 2 * kReadSize];
    std::memcpy(answer, kPrefix, kPrefixLength);
    size_t length = kPrefixLength;
    for (int i = 0; i < 2; ++i) {
        ssize_t n;
        do {
            n = read(service, answer + length, kReadSize);
        } while (n == -1 && errno == EINTR);
        if (n == -1) {
            std::perror("Serveur: read");
            close(service);
            close(listener);
            return EXIT_FAILURE;
        }
        std::printf("nbLus = %d Lu: --%.*s--\n", static_cast<int>(n), static_cast<int>(n),
                    answer + length);
        length += static_cast<size_t>(n);
    }

    // write() may send fewer bytes than asked (or be interrupted): loop until
    // all of the answer is sent.
    size_t sent = 0;
    while (sent < length) {
        const ssize_t n = write(service, answer + sent, length - sent);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            std::perror("Serveur: write");
            close(service);
            close(listener);
            return EXIT_FAILURE;
        }
        sent += static_cast<size_t>(n);
    }
    std::printf("nbEcrits = %d Ecrit: --%.*s--\n", static_cast<int>(sent), static_cast<int>(length),
                answer);

    // The server closes first, so its side of the connection ends in
    // TIME_WAIT: the case SO_REUSEADDR is for.
    if (close(service) == -1) {
        std::perror("Serveur: close (service socket)");
        close(listener);
        return EXIT_FAILURE;
    }
    if (close(listener) == -1) {
        std::perror("Serveur: close (listening socket)");
        return EXIT_FAILURE;
    }
    // END SOLUTION
    return EXIT_SUCCESS;
}
