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
    // BEGIN SOLUTION: write "\nArret du client.\n" with write(), close the socket, _exit() with status 0
    // STUB: (void)g_socket;
    const char message[] = "\nArret du client.\n";
    if (write(STDOUT_FILENO, message, sizeof message - 1) == -1) {
        // Nothing to do: the client is stopping anyway.
    }
    if (g_socket != -1)
        close(g_socket);
    _exit(EXIT_SUCCESS);
    // END SOLUTION
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

    // BEGIN SOLUTION: install the SIGINT handler, ClientSocket(), print "Connecte sur le serveur."; then loop: prompt, read a line (fgets), Send() it, Receive() the answer and print it; a Receive() of 0 means the server stopped
    struct sigaction action {};
    action.sa_handler = HandlerSIGINT;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, nullptr) == -1) {
        std::perror("Client: sigaction");
        return EXIT_FAILURE;
    }

    const int s = ClientSocket(argv[1], parse_port(argv[2]));
    if (s == -1) {
        std::perror("Client: ClientSocket");
        return EXIT_FAILURE;
    }
    g_socket = s;
    std::printf("Connecte sur le serveur.\n");

    // One more byte than a frame holds for the '\n', one for fgets's '\0'.
    char line[TAILLE_MAX_DATA + 2];
    char answer[TAILLE_MAX_DATA];
    for (;;) {
        std::printf("Requete a envoyer (<CTRL-C> pour fin) : ");
        std::fflush(stdout);  // the prompt has no '\n': show it now
        if (std::fgets(line, sizeof line, stdin) == nullptr) {
            std::printf("\nFin de la saisie.\n");  // Ctrl-D: leave as Ctrl-C would
            break;
        }
        size_t length = std::strlen(line);
        if (length > 0 && line[length - 1] == '\n') {
            line[--length] = '\0';
        } else if (!std::feof(stdin)) {
            // A line longer than a frame: drop the rest of it, send nothing.
            int c;
            while ((c = std::getchar()) != '\n' && c != EOF) {
            }
            std::printf("Requete trop longue (au plus %d caracteres), ignoree.\n", TAILLE_MAX_DATA);
            continue;
        }
        if (length == 0)
            continue;  // an empty frame cannot be sent: ask again

        if (Send(s, line, static_cast<int>(length)) == -1) {
            if (errno == EINVAL) {  // a request holding the end marker "#)"
                std::printf("Requete refusee: elle contient \"#)\".\n");
                continue;
            }
            std::perror("Client: Send");
            close(s);
            return EXIT_FAILURE;
        }
        std::printf("Requete envoyee = %s\n", line);

        const int n = Receive(s, answer);
        if (n == 0) {
            std::printf("Serveur arrete, pas de reponse recue.\n");
            close(s);
            return EXIT_FAILURE;
        }
        if (n == -1) {
            std::perror("Client: Receive");
            close(s);
            return EXIT_FAILURE;
        }
        std::printf("Reponse recue = %.*s\n", n, answer);
    }
    g_socket = -1;
    if (close(s) == -1) {
        std::perror("Client: close");
        return EXIT_FAILURE;
    }
    // END SOLUTION
    return EXIT_SUCCESS;
}
