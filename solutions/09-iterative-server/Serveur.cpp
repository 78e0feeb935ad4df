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
    // BEGIN SOLUTION: write "\nArret du serveur.\n" with write(), close both sockets, _exit() with status 0: async-signal-safe calls only
    // STUB: (void)g_listener;
    // STUB: (void)g_service;
    const char message[] = "\nArret du serveur.\n";
    if (write(STDOUT_FILENO, message, sizeof message - 1) == -1) {
        // Nothing to do: the server is stopping anyway.
    }
    if (g_service != -1)
        close(g_service);
    if (g_listener != -1)
        close(g_listener);
    _exit(EXIT_SUCCESS);
    // END SOLUTION
}

// TraitementConnexion: answer the requests of one client until it leaves.
// Whatever happens on this connection (a client that vanishes mid-frame, a
// frame too long), only this connection ends: the server goes on.
void TraitementConnexion(int service)
{
    // BEGIN SOLUTION: loop: print "\tAttente requete...", Receive() a request, stop at 0 ("\tFin de connexion du client.") or on an error (report it), print it, Send() "[SERVEUR] " + request, print the answer
    // STUB: (void)service;
    static_assert(kPrefixLength < TAILLE_MAX_DATA, "the prefix fits in a frame");
    char request[TAILLE_MAX_DATA];
    char answer[TAILLE_MAX_DATA];
    std::memcpy(answer, kPrefix, kPrefixLength);
    for (;;) {
        std::printf("\tAttente requete...\n");
        const int n = Receive(service, request);
        if (n == 0) {
            std::printf("\tFin de connexion du client.\n");
            return;
        }
        if (n == -1 && (errno == EMSGSIZE || errno == EBADMSG)) {
            // The frame was consumed: the connection is still in step.
            std::printf("\tRequete ignoree: %s\n", std::strerror(errno));
            continue;
        }
        if (n == -1) {
            std::perror("Serveur: Receive");
            std::printf("\tConnexion perdue.\n");
            return;
        }
        std::printf("\tRequete recue = %.*s\n", n, request);

        // The answer is one frame too: a request close to TAILLE_MAX_DATA
        // bytes gets an answer cut to that size.
        const int copied = n < TAILLE_MAX_DATA - kPrefixLength ? n : TAILLE_MAX_DATA - kPrefixLength;
        std::memcpy(answer + kPrefixLength, request, static_cast<size_t>(copied));
        const int length = kPrefixLength + copied;
        if (Send(service, answer, length) == -1) {
            std::perror("Serveur: Send");
            std::printf("\tConnexion perdue.\n");
            return;
        }
        std::printf("\tReponse envoyee = %.*s\n", length, answer);
    }
    // END SOLUTION
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    if (argc != 2 || parse_port(argv[1]) == -1) {
        std::fprintf(stderr, "usage: Serveur port   (port: 1-65535, e.g. 50000)\n");
        return EXIT_FAILURE;
    }

    // BEGIN SOLUTION: install the SIGINT handler (sigaction), ServerSocket() on the port, print "Demarrage du serveur."; then forever: print "Attente d'une connexion...", Accept(), print "Connexion acceptee !", TraitementConnexion(), close the service socket
    struct sigaction action {};
    action.sa_handler = HandlerSIGINT;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, nullptr) == -1) {
        std::perror("Serveur: sigaction");
        return EXIT_FAILURE;
    }

    const int listener = ServerSocket(parse_port(argv[1]));
    if (listener == -1) {
        std::perror("Serveur: ServerSocket");
        return EXIT_FAILURE;
    }
    g_listener = listener;
    std::printf("Demarrage du serveur.\n");

    for (;;) {
        std::printf("Attente d'une connexion...\n");
        char ip[16];
        const int service = Accept(listener, ip);
        if (service == -1) {
            // Accept already retries what concerns one client only
            // (EINTR, ECONNABORTED): what is left is a problem of the server.
            std::perror("Serveur: Accept");
            close(listener);
            return EXIT_FAILURE;
        }
        g_service = service;
        std::printf("Connexion acceptee ! (client %s)\n", ip);
        TraitementConnexion(service);
        g_service = -1;
        if (close(service) == -1)
            std::perror("Serveur: close");
    }
    // END SOLUTION
}
