// AttenteConnexion: a server that listens on port 50000, accepts one
// connection, prints who connected (getpeername), then waits until SIGINT.
// Connect to it with `nc 127.0.0.1 50000` or DemandeConnexion (lab 05).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace {
constexpr const char* kPort = "50000";  // the course's server port
}

int main()
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    std::printf("pid = %d\n", static_cast<int>(getpid()));

    // BEGIN SOLUTION: socket() and bind() to 0.0.0.0:50000 as in lab 03, listen(), accept() one connection, print the service socket and the client's address (getpeername() + getnameinfo()), then pause()
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener == -1) {
        std::perror("AttenteConnexion: socket");
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
        std::fprintf(stderr, "AttenteConnexion: getaddrinfo: %s\n", gai_strerror(rc));
        return EXIT_FAILURE;
    }

    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    int nrc = getnameinfo(results->ai_addr, results->ai_addrlen, host, sizeof host, port,
                          sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (nrc != 0) {
        std::fprintf(stderr, "AttenteConnexion: getnameinfo: %s\n", gai_strerror(nrc));
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    std::printf("Mon Adresse IP: %s -- Mon Port: %s\n", host, port);

    if (bind(listener, results->ai_addr, results->ai_addrlen) == -1) {
        std::perror("AttenteConnexion: bind");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    freeaddrinfo(results);
    std::printf("bind() reussi !\n");

    // From here the kernel completes handshakes on its own and queues the
    // connections (up to SOMAXCONN) until accept() takes them.
    if (listen(listener, SOMAXCONN) == -1) {
        std::perror("AttenteConnexion: listen");
        return EXIT_FAILURE;
    }
    std::printf("listen() reussi !\n");

    // accept() may fail for reasons that concern only the connection being
    // accepted: a signal (EINTR) or a client that reset it while it was still
    // queued (ECONNABORTED). The listening socket is fine: try again.
    int service;
    do {
        service = accept(listener, nullptr, nullptr);
    } while (service == -1 && (errno == EINTR || errno == ECONNABORTED));
    if (service == -1) {
        std::perror("AttenteConnexion: accept");
        return EXIT_FAILURE;
    }
    std::printf("accept() reussi !\n");
    std::printf("socket de service = %d\n", service);

    // The service socket knows its peer: ask for the client's address.
    sockaddr_in client{};
    socklen_t client_len = sizeof client;
    if (getpeername(service, reinterpret_cast<sockaddr*>(&client), &client_len) == -1) {
        std::perror("AttenteConnexion: getpeername");
        return EXIT_FAILURE;
    }
    nrc = getnameinfo(reinterpret_cast<sockaddr*>(&client), client_len, host, sizeof host, port,
                      sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (nrc != 0) {
        std::fprintf(stderr, "AttenteConnexion: getnameinfo: %s\n", gai_strerror(nrc));
        return EXIT_FAILURE;
    }
    std::printf("Client connecte --> Adresse IP: %s -- Port: %s\n", host, port);

    // Both sockets stay open until SIGINT ends the process.
    pause();
    // END SOLUTION
    return EXIT_SUCCESS;
}
