// DemandeConnexion: a client that connects to a server given on the command
// line, then waits until SIGINT with the connection open.
//
// usage: DemandeConnexion ipServeur portServeur
//   e.g. DemandeConnexion 127.0.0.1 50000   (AttenteConnexion of lab 04 running)
#include <cstdio>
#include <cstdlib>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);

    // BEGIN SOLUTION: check the arguments (usage line, non-zero exit), print the pid, create the socket, resolve argv[1]:argv[2] with getaddrinfo(), connect(), print "connect() reussi !", then pause()
    // STUB: (void)argc;
    // STUB: (void)argv;
    if (argc != 3) {
        std::fprintf(stderr, "usage: DemandeConnexion ipServeur portServeur\n");
        std::fprintf(stderr, "  e.g. DemandeConnexion 127.0.0.1 50000\n");
        return EXIT_FAILURE;
    }
    std::printf("pid = %d\n", static_cast<int>(getpid()));

    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == -1) {
        std::perror("DemandeConnexion: socket");
        return EXIT_FAILURE;
    }
    std::printf("socket creee = %d\n", s);

    // The server may be named by address (127.0.0.1) or by host name (zeus):
    // only the port must be numeric.
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(argv[1], argv[2], &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "DemandeConnexion: getaddrinfo(%s, %s): %s\n", argv[1], argv[2],
                     gai_strerror(rc));
        return EXIT_FAILURE;
    }

    // No bind(): the kernel picks the local address and an ephemeral port.
    // No signal handler is installed, so connect() cannot fail with EINTR.
    if (connect(s, results->ai_addr, results->ai_addrlen) == -1) {
        std::perror("DemandeConnexion: connect");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    freeaddrinfo(results);
    std::printf("connect() reussi !\n");

    // The connection stays ESTABLISHED until SIGINT ends the process.
    pause();
    // END SOLUTION
    return EXIT_SUCCESS;
}
