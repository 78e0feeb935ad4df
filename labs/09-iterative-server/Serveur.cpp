// Serveur: an iterative echo server built on the TCP library of lab 08.
// It serves one client at a time: each request (a frame) is answered with
// "[SERVEUR] " followed by the request, until the client closes the
// connection; then it accepts the next client. SIGINT stops it cleanly.
//
// usage: Serveur port
//   e.g. Serveur 50000   then, elsewhere: Client 127.0.0.1 50000
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "TCP.h"

namespace {

constexpr const char kPrefix[] = "[SERVEUR] ";
constexpr int kPrefixLength = sizeof kPrefix - 1;

// The sockets the SIGINT handler closes (-1: none). sig_atomic_t, because a
// handler may only rely on variables of that type.
volatile sig_atomic_t g_listener = -1;
volatile sig_atomic_t g_service = -1;

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

// SIGINT: stop at once. The library's blocking calls retry after a signal
// (EINTR), so a flag set here would only be seen once the current client
// sends its next request; the handler therefore ends the process itself,
// with async-signal-safe calls only (write, close, _exit: no printf, no
// exit(), which run code that the interrupted program may be in the middle of).
void HandlerSIGINT(int)
{
    // TODO: write "\nArret du serveur.\n" with write(), close both sockets, _exit() with status 0: async-signal-safe calls only
    (void)g_listener;
    (void)g_service;
    std::fprintf(stderr, "TODO (%s:%d): write \"\\nArret du serveur.\\n\" with write(), close both sockets, _exit() with status 0: async-signal-safe calls only\n", __FILE__, __LINE__);
    std::exit(99);
}

// TraitementConnexion: answer the requests of one client until it leaves.
// Whatever happens on this connection (a client that vanishes mid-frame, a
// frame too long), only this connection ends: the server goes on.
void TraitementConnexion(int service)
{
    // TODO: loop: print "\tAttente requete...", Receive() a request, stop at 0 ("\tFin de connexion du client.") or on an error (report it), print it, Send() "[SERVEUR] " + request, print the answer
    (void)service;
    std::fprintf(stderr, "TODO (%s:%d): loop: print \"\\tAttente requete...\", Receive() a request, stop at 0 (\"\\tFin de connexion du client.\") or on an error (report it), print it, Send() \"[SERVEUR] \" + request, print the answer\n", __FILE__, __LINE__);
    std::exit(99);
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    if (argc != 2 || parse_port(argv[1]) == -1) {
        std::fprintf(stderr, "usage: Serveur port   (port: 1-65535, e.g. 50000)\n");
        return EXIT_FAILURE;
    }

    // TODO: install the SIGINT handler (sigaction), ServerSocket() on the port, print "Demarrage du serveur."; then forever: print "Attente d'une connexion...", Accept(), print "Connexion acceptee !", TraitementConnexion(), close the service socket
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler (sigaction), ServerSocket() on the port, print \"Demarrage du serveur.\"; then forever: print \"Attente d'une connexion...\", Accept(), print \"Connexion acceptee !\", TraitementConnexion(), close the service socket\n", __FILE__, __LINE__);
    std::exit(99);
}
