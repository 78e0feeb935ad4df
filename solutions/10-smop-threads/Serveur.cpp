// Serveur: a SMOP server (see SMOP.h) with one thread per connection, built
// on the TCP library of lab 08.
// The main thread accepts connections; each one goes to a new thread that
// serves that client from its first request to its departure, then ends.
// Clients are served at the same time, each with its own login state.
// SIGINT stops the server.
//
// usage: Serveur port [users-file]      (users-file: users.txt by default)
//   e.g. Serveur 50000   then, elsewhere: Client 127.0.0.1 50000
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <unistd.h>

#include "SMOP.h"
#include "TCP.h"

namespace {

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

// Descripteur: the one owner of a socket; closes it when it goes. It can be
// moved (into a thread) but not copied, so a socket is closed exactly once,
// even when a thread cannot be started.
class Descripteur {
public:
    explicit Descripteur(int fd) : fd_(fd) {}
    Descripteur(Descripteur&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Descripteur(const Descripteur&) = delete;
    Descripteur& operator=(const Descripteur&) = delete;
    Descripteur& operator=(Descripteur&&) = delete;
    ~Descripteur()
    {
        if (fd_ != -1 && close(fd_) == -1)
            std::perror("Serveur: close");
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// Affichable: a request as it may be printed on one line of the log: bytes
// below ' ' and DEL become \xNN, so a request holding '\n' or '\0' cannot
// break the log apart. Other bytes (letters, UTF-8) are kept.
std::string Affichable(const char* data, int length)
{
    std::string text;
    text.reserve(static_cast<size_t>(length));
    for (int i = 0; i < length; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        if (c < ' ' || c == 0x7f) {
            const char hex[] = "0123456789abcdef";
            text += "\\x";
            text += hex[c >> 4];
            text += hex[c & 0xf];
        } else {
            text += static_cast<char>(c);
        }
    }
    return text;
}

// The reason of the last failed call, as perror would write it. Unlike
// std::strerror, it may be called by several threads at once.
std::string Raison(int error)
{
    return std::generic_category().message(error);
}

// The log. A request's lines (what came, what went back) are gathered in one
// string and written with one fwrite(): one system call per request instead
// of one per line, and stdout's lock (stdio takes it for each call, so that
// lines of different threads never mix) taken once. With 10 busy clients,
// a printf() per line costs more system calls than the request itself.

// Ligne: one line of the log, "[THREAD numero] text\n".
std::string Ligne(int numero, const std::string& text)
{
    return "[THREAD " + std::to_string(numero) + "] " + text + "\n";
}

// Journal: write whole lines of the log at once.
void Journal(const std::string& lines)
{
    std::fwrite(lines.data(), 1, lines.size(), stdout);
}

// SIGINT: stop at once. A flag would not do: the library's blocking calls
// retry after a signal (EINTR), so the main thread would only see the flag
// after the next connection, and each client thread after its client's next
// request. So the handler ends the process itself, with async-signal-safe
// calls only (write, _exit: no printf, no exit(), whose code the interrupted
// thread may be in the middle of). No socket needs closing by hand: _exit
// ends every thread, and the kernel closes every descriptor of the process,
// the listening socket and each client's connection alike.
void HandlerSIGINT(int)
{
    // BEGIN SOLUTION: write "\nArret du serveur.\n" with write(), then _exit() with status 0: async-signal-safe calls only
    const char message[] = "\nArret du serveur.\n";
    if (write(STDOUT_FILENO, message, sizeof message - 1) == -1) {
        // Nothing to do: the server is stopping anyway.
    }
    _exit(EXIT_SUCCESS);
    // END SOLUTION
}

// TraitementConnexion: serve one client until it leaves, its login state in
// a SmopSession of this thread. Every line of the log begins with
// "[THREAD numero]"; a request's lines are written together after its reply
// is sent (Journal).
// Whatever happens on this connection (a client that vanishes mid-frame,
// resets, or sends garbage) ends this connection only.
void TraitementConnexion(int service, int numero, const SmopUsers& users)
{
    // BEGIN SOLUTION: loop: Receive() a request (0: the client left; EMSGSIZE: answer SMOP_REPONSE_TROP_LONGUE; EBADMSG: an empty request; other errors: report and stop), SMOP() the reply with this connection's SmopSession, Send() it, then Journal() the request's line and the reply's line together
    // STUB: (void)service;
    // STUB: (void)numero;
    // STUB: (void)users;
    SmopSession session;  // a new connection starts logged out
    char request[TAILLE_MAX_DATA];
    char reply[TAILLE_MAX_DATA];
    for (;;) {
        const int n = Receive(service, request);
        if (n == 0)
            return;  // the client closed the connection between two requests
        std::string lines;  // this request's lines of the log, written at once
        int length;
        if (n == -1 && errno == EMSGSIZE) {
            // Receive consumed the whole frame: the connection is in step.
            lines = Ligne(numero, "Requete trop longue (plus de " + std::to_string(TAILLE_MAX_DATA) +
                                      " octets) ignoree");
            length = static_cast<int>(sizeof SMOP_REPONSE_TROP_LONGUE - 1);
            std::memcpy(reply, SMOP_REPONSE_TROP_LONGUE, static_cast<size_t>(length));
        } else if (n == -1 && errno == EBADMSG) {
            // An empty frame ("#)" alone), consumed: SMOP answers it.
            lines = Ligne(numero, "Requete recue = ");
            length = SMOP(request, 0, reply, session, users);
        } else if (n == -1 && errno == EPROTO) {
            Journal(Ligne(numero, "Connexion perdue (le client est parti au milieu d'une requete)"));
            return;
        } else if (n == -1) {
            // ECONNRESET, ...: part of a frame may be lost, the stream is
            // out of step: drop this client.
            Journal(Ligne(numero, "Connexion perdue (Receive: " + Raison(errno) + ")"));
            return;
        } else {
            lines = Ligne(numero, "Requete recue = " + Affichable(request, n));
            length = SMOP(request, n, reply, session, users);
        }
        if (Send(service, reply, length) == -1) {
            Journal(lines + Ligne(numero, "Connexion perdue (Send: " + Raison(errno) + ")"));
            return;
        }
        Journal(lines + Ligne(numero, "Reponse envoyee = " + std::string(reply, static_cast<size_t>(length))));
    }
    // END SOLUTION
}

// FctThreadClient: the body of a client thread. It owns the connection's
// socket: the Descripteur closes it when the thread ends.
void FctThreadClient(Descripteur service, int numero, std::string ip, const SmopUsers& users)
{
    // BEGIN SOLUTION: print "[THREAD n] Connexion acceptee (client ip)", TraitementConnexion(), print "[THREAD n] Fin de connexion du client." (the socket closes when service goes)
    // STUB: (void)service;
    // STUB: (void)numero;
    // STUB: (void)ip;
    // STUB: (void)users;
    std::printf("[THREAD %d] Connexion acceptee (client %s)\n", numero, ip.c_str());
    TraitementConnexion(service.get(), numero, users);
    std::printf("[THREAD %d] Fin de connexion du client.\n", numero);
    // END SOLUTION
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    if (argc < 2 || argc > 3 || parse_port(argv[1]) == -1) {
        std::fprintf(stderr, "usage: Serveur port [users-file]   (port: 1-65535, e.g. 50000; users-file: users.txt)\n");
        return EXIT_FAILURE;
    }
    const char* const usersFile = argc == 3 ? argv[2] : "users.txt";

    // The accounts live in main's frame, and main never returns (it ends
    // with _exit or exit), so every thread may keep a reference to them.
    SmopUsers users;
    std::string error;
    if (!SMOP_LoadUsers(usersFile, users, error)) {
        std::fprintf(stderr, "Serveur: %s\n", error.c_str());
        return EXIT_FAILURE;
    }

    // BEGIN SOLUTION: install the SIGINT handler (sigaction), ServerSocket() on the port, print "Demarrage du serveur."; then forever: Accept(), number the connection, start a detached thread running FctThreadClient with the socket moved into it
    // STUB: (void)users;
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
    std::printf("Demarrage du serveur.\n");

    int numero = 0;  // connections accepted so far; only this thread counts
    for (;;) {
        char ip[16];
        const int service = Accept(listener, ip);
        if (service == -1) {
            // Accept already retries what concerns one client only (EINTR,
            // ECONNABORTED). Out of descriptors or memory (EMFILE, ENFILE,
            // ENOBUFS, ENOMEM): the client waits in the backlog until a
            // connection ends and frees one; try again shortly rather than
            // stop serving everyone. Anything else is a fault of the server.
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                std::perror("Serveur: Accept (nouvel essai)");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            std::perror("Serveur: Accept");
            std::exit(EXIT_FAILURE);  // not return: the threads use `users`
        }
        Descripteur connection(service);
        ++numero;
        try {
            // The thread gets its own copy of the arguments; the socket is
            // moved into it. Detached: nobody waits for it, it ends alone.
            std::thread(FctThreadClient, std::move(connection), numero, std::string(ip), std::cref(users)).detach();
        } catch (const std::system_error& failure) {
            // No thread (EAGAIN: too many threads): this client is dropped,
            // its socket closed by its Descripteur; the others go on.
            std::fprintf(stderr, "Serveur: thread: %s\n", failure.what());
        }
    }
    // END SOLUTION
}
