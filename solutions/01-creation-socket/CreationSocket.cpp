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
    // BEGIN SOLUTION: print "pid = <pid>", create an IPv4 TCP socket, print "socket creee = <fd>", then wait in pause() until SIGINT
    std::printf("pid = %d\n", static_cast<int>(getpid()));

    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == -1) {
        std::perror("CreationSocket: socket");
        return EXIT_FAILURE;
    }
    std::printf("socket creee = %d\n", s);

    // SIGINT keeps its default action: it ends the process, and the kernel
    // closes the descriptor. pause() only returns if a handler runs.
    pause();
    // END SOLUTION
    return EXIT_SUCCESS;
}
