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

    // TODO: check the arguments (usage line, non-zero exit), print the pid, create the socket, resolve argv[1]:argv[2] with getaddrinfo(), connect(), print "connect() reussi !", then pause()
    (void)argc;
    (void)argv;
    std::fprintf(stderr, "TODO (%s:%d): check the arguments (usage line, non-zero exit), print the pid, create the socket, resolve argv[1]:argv[2] with getaddrinfo(), connect(), print \"connect() reussi !\", then pause()\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
