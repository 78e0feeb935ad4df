// Client: connects to a server, sends the 8 bytes "abcdefgh", then reads the
// answer until the server closes the connection, and prints it.
//
// usage: Client ipServeur portServeur
//   e.g. Client 127.0.0.1 50000   (the lab's Serveur running)
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace {
constexpr char kRequest[] = "abcdefgh";
constexpr size_t kRequestLength = sizeof kRequest - 1;  // 8: the '\0' is not sent
constexpr size_t kAnswerMax = 64;                       // the longest answer kept
}  // namespace

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);

    // BEGIN SOLUTION: check the arguments, print the pid, socket(), getaddrinfo() for argv[1]:argv[2], connect()
    // STUB: (void)argc;
    // STUB: (void)argv;
    if (argc != 3) {
        std::fprintf(stderr, "usage: Client ipServeur portServeur\n");
        std::fprintf(stderr, "  e.g. Client 127.0.0.1 50000\n");
        return EXIT_FAILURE;
    }
    std::printf("pid = %d\n", static_cast<int>(getpid()));

    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == -1) {
        std::perror("Client: socket");
        return EXIT_FAILURE;
    }
    std::printf("socket creee = %d\n", s);

    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(argv[1], argv[2], &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "Client: getaddrinfo(%s, %s): %s\n", argv[1], argv[2], gai_strerror(rc));
        return EXIT_FAILURE;
    }
    if (connect(s, results->ai_addr, results->ai_addrlen) == -1) {
        std::perror("Client: connect");
        freeaddrinfo(results);
        return EXIT_FAILURE;
    }
    freeaddrinfo(results);
    std::printf("connect() reussi !\n");
    // END SOLUTION

    // BEGIN SOLUTION: write() the 8 bytes "abcdefgh" (all of them), print "nbEcrits = 8"; read() until the server closes (read() returns 0), print "nbLus = N Lu: --answer--"; close()
    size_t sent = 0;
    while (sent < kRequestLength) {
        const ssize_t n = write(s, kRequest + sent, kRequestLength - sent);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            std::perror("Client: write");
            close(s);
            return EXIT_FAILURE;
        }
        sent += static_cast<size_t>(n);
    }
    std::printf("nbEcrits = %d\n", static_cast<int>(sent));

    // The answer may arrive in several pieces: one read() returns what has
    // arrived so far. The server closes once it has answered, so read until
    // read() returns 0 (or the buffer is full).
    char answer[kAnswerMax];
    size_t received = 0;
    while (received < sizeof answer) {
        const ssize_t n = read(s, answer + received, sizeof answer - received);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            std::perror("Client: read");
            close(s);
            return EXIT_FAILURE;
        }
        if (n == 0)
            break;
        received += static_cast<size_t>(n);
    }
    std::printf("nbLus = %d Lu: --%.*s--\n", static_cast<int>(received), static_cast<int>(received), answer);

    if (close(s) == -1) {
        std::perror("Client: close");
        return EXIT_FAILURE;
    }
    // END SOLUTION
    return EXIT_SUCCESS;
}
