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

    // TODO: ignore SIGPIPE; socket(), bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 04
    std::fprintf(stderr, "TODO (%s:%d): ignore SIGPIPE; socket(), bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 04\n", __FILE__, __LINE__);
    std::exit(99);

    // TODO: two read() calls of at most 5 bytes each, printing "nbLus = N Lu: --bytes--" after each; build the answer "[SERVEUR] " + the bytes read, write() all of it, print "nbEcrits = N Ecrit: --answer--"; close() both sockets
    std::fprintf(stderr, "TODO (%s:%d): two read() calls of at most 5 bytes each, printing \"nbLus = N Lu: --bytes--\" after each; build the answer \"[SERVEUR] \" + the bytes read, write() all of it, print \"nbEcrits = N Ecrit: --answer--\"; close() both sockets\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
