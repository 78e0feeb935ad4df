// Client: the client of the iterative echo server, built on the TCP library
// of lab 08. It reads requests from the keyboard, one per line, sends each as
// a frame and prints the server's answer, until Ctrl-C (SIGINT) or the end of
// the input (Ctrl-D); it notices when the server has stopped.
//
// usage: Client ipServeur portServeur
//   e.g. Client 127.0.0.1 50000
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "TCP.h"

namespace {

// The socket the SIGINT handler closes (-1: none).
volatile sig_atomic_t g_socket = -1;

// The port from the command line, or -1 if it is not a number in 1..65535.
int parse_port(const char* text)
{
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || value > 65535)
        return -1;
    return static_cast<int>(value);
}

}  // namespace

// SIGINT (Ctrl-C): say so, close the connection and end with status 0, with
// async-signal-safe calls only (the program may be inside printf or fgets).
void HandlerSIGINT(int)
{
    // TODO: write "\nArret du client.\n" with write(), close the socket, _exit() with status 0
    (void)g_socket;
    std::fprintf(stderr, "TODO (%s:%d): write \"\\nArret du client.\\n\" with write(), close the socket, _exit() with status 0\n", __FILE__, __LINE__);
    std::exit(99);
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    if (argc != 3 || parse_port(argv[2]) == -1) {
        std::fprintf(stderr, "usage: Client ipServeur portServeur\n");
        std::fprintf(stderr, "  e.g. Client 127.0.0.1 50000\n");
        return EXIT_FAILURE;
    }

    // TODO: install the SIGINT handler, ClientSocket(), print "Connecte sur le serveur."; then loop: prompt, read a line (fgets), Send() it, Receive() the answer and print it; a Receive() of 0 means the server stopped
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler, ClientSocket(), print \"Connecte sur le serveur.\"; then loop: prompt, read a line (fgets), Send() it, Receive() the answer and print it; a Receive() of 0 means the server stopped\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
