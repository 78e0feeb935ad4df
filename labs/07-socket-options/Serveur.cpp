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

    // TODO: ignore SIGPIPE; socket(); setsockopt(SO_REUSEADDR) before bind() and print the value getsockopt() reads back ("SO_REUSEADDR = 1"); bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 06
    std::fprintf(stderr, "TODO (%s:%d): ignore SIGPIPE; socket(); setsockopt(SO_REUSEADDR) before bind() and print the value getsockopt() reads back (\"SO_REUSEADDR = 1\"); bind() to 0.0.0.0:50000, listen(), accept() and print the client's address as in lab 06\n", __FILE__, __LINE__);
    std::exit(99);

    // TODO: as in lab 06: two read() calls of at most 5 bytes each, printing "nbLus = N Lu: --bytes--" after each; build the answer "[SERVEUR] " + the bytes read, write() all of it, print "nbEcrits = N Ecrit: --answer--"; close() both sockets
    std::fprintf(stderr, "TODO (%s:%d): as in lab 06: two read() calls of at most 5 bytes each, printing \"nbLus = N Lu: --bytes--\" after each; build the answer \"[SERVEUR] \" + the bytes read, write() all of it, print \"nbEcrits = N Ecrit: --answer--\"; close() both sockets\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
