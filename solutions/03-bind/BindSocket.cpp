// BindSocket: create a TCP socket and bind it to every local address
// (0.0.0.0, INADDR_ANY) on port 50000, then wait until SIGINT. The port is
// reserved but nobody can connect yet: the socket is not listening.
#include <cstdio>
#include <cstdlib>
#include <netdb.h>
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

    // BEGIN SOLUTION: create the socket, build 0.0.0.0:50000 with getaddrinfo(NULL, kPort) and AI_PASSIVE, print it, bind(), print "bind() reussi !", then pause()
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == -1) {
        std::perror("BindSocket: socket");
        return EXIT_FAILURE;
    }
    std::printf("socket creee = %d\n", s);

    // A NULL host with AI_PASSIVE gives the wildcard address 0.0.0.0: the
    // future server will accept connections on every interface.
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(nullptr, kPort, &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "BindSocket: getaddrinfo: %s\n", gai_strerror(rc));
        return EXIT_FAILURE;
    }

    char host[NI_MAXHOST];
    char port[NI_MAXSERV];
    const int nrc = getnameinfo(results->ai_addr, results->ai_addrlen, host, sizeof host, port,
                                sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    if (nrc != 0) {
        std::fprintf(stderr, "BindSocket: getnameinfo: %s\n", gai_strerror(nrc));
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    std::printf("Mon Adresse IP: %s -- Mon Port: %s\n", host, port);

    if (bind(s, results->ai_addr, results->ai_addrlen) == -1) {
        std::perror("BindSocket: bind");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    freeaddrinfo(results);
    std::printf("bind() reussi !\n");

    // The socket stays bound until SIGINT ends the process.
    pause();
    // END SOLUTION
    return EXIT_SUCCESS;
}
