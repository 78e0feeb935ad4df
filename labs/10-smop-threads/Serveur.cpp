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
    // TODO: write "\nArret du serveur.\n" with write(), then _exit() with status 0: async-signal-safe calls only
    std::fprintf(stderr, "TODO (%s:%d): write \"\\nArret du serveur.\\n\" with write(), then _exit() with status 0: async-signal-safe calls only\n", __FILE__, __LINE__);
    std::exit(99);
}

// TraitementConnexion: serve one client until it leaves, its login state in
// a SmopSession of this thread. Every line of the log begins with
// "[THREAD numero]"; a request's lines are written together after its reply
// is sent (Journal).
// Whatever happens on this connection (a client that vanishes mid-frame,
// resets, or sends garbage) ends this connection only.
void TraitementConnexion(int service, int numero, const SmopUsers& users)
{
    // TODO: loop: Receive() a request (0: the client left; EMSGSIZE: answer SMOP_REPONSE_TROP_LONGUE; EBADMSG: an empty request; other errors: report and stop), SMOP() the reply with this connection's SmopSession, Send() it, then Journal() the request's line and the reply's line together
    (void)service;
    (void)numero;
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): loop: Receive() a request (0: the client left; EMSGSIZE: answer SMOP_REPONSE_TROP_LONGUE; EBADMSG: an empty request; other errors: report and stop), SMOP() the reply with this connection's SmopSession, Send() it, then Journal() the request's line and the reply's line together\n", __FILE__, __LINE__);
    std::exit(99);
}

// FctThreadClient: the body of a client thread. It owns the connection's
// socket: the Descripteur closes it when the thread ends.
void FctThreadClient(Descripteur service, int numero, std::string ip, const SmopUsers& users)
{
    // TODO: print "[THREAD n] Connexion acceptee (client ip)", TraitementConnexion(), print "[THREAD n] Fin de connexion du client." (the socket closes when service goes)
    (void)service;
    (void)numero;
    (void)ip;
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): print \"[THREAD n] Connexion acceptee (client ip)\", TraitementConnexion(), print \"[THREAD n] Fin de connexion du client.\" (the socket closes when service goes)\n", __FILE__, __LINE__);
    std::exit(99);
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

    // TODO: install the SIGINT handler (sigaction), ServerSocket() on the port, print "Demarrage du serveur."; then forever: Accept(), number the connection, start a detached thread running FctThreadClient with the socket moved into it
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler (sigaction), ServerSocket() on the port, print \"Demarrage du serveur.\"; then forever: Accept(), number the connection, start a detached thread running FctThreadClient with the socket moved into it\n", __FILE__, __LINE__);
    std::exit(99);
}
