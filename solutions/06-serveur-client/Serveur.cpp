// Serveur: accepts one client on port 50000, reads its request in two read()
// calls of at most 5 bytes each, answers "[SERVEUR] " followed by the bytes it
// read, closes both of its sockets and exits.
//
// Try it with the lab's Client, or by hand: `printf abcdefgh | nc 127.0.0.1 50000`.
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

    // BEGIN SOLUTION: ignore SIGPIPE; socket(), bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 04
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

    // No SO_REUSEADDR here: that is lab 07. Restarted at once, this server
    // fails with "Address already in use" while its last connection is in TIME_WAIT.
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

    // BEGIN SOLUTION: two read() calls of at most 5 bytes each, printing "nbLus = N Lu: --bytes--" after each; build the answer "[SERVEUR] " + the bytes read, write() all of it, print "nbEcrits = N Ecrit: --answer--"; close() both sockets
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

    // The server closes first: its side of the connection goes through
    // FIN_WAIT and ends in TIME_WAIT for a minute (see `ss -tan`).
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
