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

    // TODO: socket() and bind() to 0.0.0.0:50000 as in lab 03, listen(), accept() one connection, print the service socket and the client's address (getpeername() + getnameinfo()), then pause()
    std::fprintf(stderr, "TODO (%s:%d): socket() and bind() to 0.0.0.0:50000 as in lab 03, listen(), accept() one connection, print the service socket and the client's address (getpeername() + getnameinfo()), then pause()\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
