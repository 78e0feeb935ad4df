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

    // TODO: check the arguments, print the pid, socket(), getaddrinfo() for argv[1]:argv[2], connect()
    (void)argc;
    (void)argv;
    std::fprintf(stderr, "TODO (%s:%d): check the arguments, print the pid, socket(), getaddrinfo() for argv[1]:argv[2], connect()\n", __FILE__, __LINE__);
    std::exit(99);

    // TODO: write() the 8 bytes "abcdefgh" (all of them), print "nbEcrits = 8"; read() until the server closes (read() returns 0), print "nbLus = N Lu: --answer--"; close()
    std::fprintf(stderr, "TODO (%s:%d): write() the 8 bytes \"abcdefgh\" (all of them), print \"nbEcrits = 8\"; read() until the server closes (read() returns 0), print \"nbLus = N Lu: --answer--\"; close()\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
