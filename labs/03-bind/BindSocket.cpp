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

    // TODO: create the socket, build 0.0.0.0:50000 with getaddrinfo(NULL, kPort) and AI_PASSIVE, print it, bind(), print "bind() reussi !", then pause()
    std::fprintf(stderr, "TODO (%s:%d): create the socket, build 0.0.0.0:50000 with getaddrinfo(NULL, kPort) and AI_PASSIVE, print it, bind(), print \"bind() reussi !\", then pause()\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
