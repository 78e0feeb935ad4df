// CreationSocket: create a TCP socket, print its descriptor, then wait until
// SIGINT so that the socket can be inspected with `lsof -p <pid>`.
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

int main()
{
    // Print each line as soon as it is complete, even when stdout is a pipe:
    // the program then waits forever, so buffered output would never appear.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    // TODO: print "pid = <pid>", create an IPv4 TCP socket, print "socket creee = <fd>", then wait in pause() until SIGINT
    std::fprintf(stderr, "TODO (%s:%d): print \"pid = <pid>\", create an IPv4 TCP socket, print \"socket creee = <fd>\", then wait in pause() until SIGINT\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
