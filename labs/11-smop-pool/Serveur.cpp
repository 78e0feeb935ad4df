// Serveur: a SMOP server (see ../10-smop-threads/SMOP.h) on a fixed pool of
// threads, built on the TCP library of lab 08 and the SMOP module of lab 10.
// The pool's threads start at launch and never end. The main thread accepts
// connections and puts them in a bounded queue; a free thread of the pool
// takes the oldest, serves that client until it leaves, then takes the next.
// With every thread busy, clients wait in the queue; with the queue full
// too, a new connection is refused. SIGINT stops the server.
//
// usage: Serveur port [threads] [queue] [users-file]
//   threads: size of the pool (default 2); queue: how many clients may wait
//   for a thread (default 20); users-file: users.txt by default.
//   e.g. Serveur 50000 2 20 ../10-smop-threads/users.txt
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <unistd.h>

#include "SMOP.h"
#include "TCP.h"

namespace {

constexpr int kThreadsParDefaut = 2;
constexpr int kFileParDefaut = 20;
constexpr int kThreadsMax = 1000;
constexpr int kFileMax = 10000;

// The integer in `text` if it is one, within min..max; otherwise -1.
int parse_number(const char* text, long min, long max)
{
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    return static_cast<int>(value);
}

}  // namespace

// Descripteur: the one owner of a socket; closes it when it goes. It can be
// moved (into the queue, then into a thread of the pool) but not copied, so
// a socket is closed exactly once, whichever way its connection ends.
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

// An accepted connection, waiting in the queue or being served.
struct Connexion {
    Descripteur socket;
    std::string ip;  // the client's address, for the log
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

// FileAttente: the bounded FIFO queue of accepted connections, between the
// main thread (the producer, which accepts) and the pool (the consumers).
// One mutex guards it all; one condition variable wakes a thread of the pool
// when a connection arrives. There is no "not full" condition: the producer
// never waits for room, it refuses the connection (see Deposer).
class FileAttente {
public:
    explicit FileAttente(int capacite) : capacite_(static_cast<size_t>(capacite)) {}

    // Deposer: queue `connexion` (moved from) if it may wait, and wake a
    // thread of the pool; returns false, leaving `connexion` to the caller,
    // when `capacite` clients wait already. A connection that an idle thread
    // is about to take does not wait: it takes no place in the queue (so an
    // idle pool never refuses anybody, whatever the timing).
    bool Deposer(Connexion& connexion)
    {
        // TODO: under the mutex: refuse (false) when the connections not taken by an idle thread fill the capacity; otherwise push it at the back, notify one thread, return true
        (void)connexion;
        std::fprintf(stderr, "TODO (%s:%d): under the mutex: refuse (false) when the connections not taken by an idle thread fill the capacity; otherwise push it at the back, notify one thread, return true\n", __FILE__, __LINE__);
        std::exit(99);
    }

    // Retirer: wait for a connection and take the oldest one.
    Connexion Retirer()
    {
        // TODO: under the mutex: count this thread as idle, wait on the condition variable until the queue is not empty (in a loop or with a predicate: wake-ups may be spurious), count it busy again, move the front connection out, pop it, return it
        std::fprintf(stderr, "TODO (%s:%d): under the mutex: count this thread as idle, wait on the condition variable until the queue is not empty (in a loop or with a predicate: wake-ups may be spurious), count it busy again, move the front connection out, pop it, return it\n", __FILE__, __LINE__);
        std::exit(99);
    }

private:
    std::mutex mutex_;
    std::condition_variable arrivee_;  // signalled when a connection is queued
    std::deque<Connexion> file_;       // oldest first
    size_t capacite_;                  // how many connections may wait
    size_t libres_ = 0;                // threads of the pool waiting in Retirer
};

// SIGINT: stop at once. A flag would not do: the library's blocking calls
// retry after a signal (EINTR), so the main thread would only see the flag
// after the next connection, and each thread of the pool after its client's
// next request. So the handler ends the process itself, with
// async-signal-safe calls only (write, _exit: no printf, no exit(), whose
// code the interrupted thread may be in the middle of). No socket needs
// closing by hand: _exit ends every thread, and the kernel closes every
// descriptor of the process: the listening socket, the connections being
// served and those still waiting in the queue.
void HandlerSIGINT(int)
{
    // TODO: write "\nArret du serveur.\n" with write(), then _exit() with status 0: async-signal-safe calls only
    std::fprintf(stderr, "TODO (%s:%d): write \"\\nArret du serveur.\\n\" with write(), then _exit() with status 0: async-signal-safe calls only\n", __FILE__, __LINE__);
    std::exit(99);
}

// TraitementConnexion: serve one client until it leaves, its login state in
// a SmopSession of this call. Every line of the log begins with
// "[THREAD numero]"; a request's lines are written together after its reply
// is sent (Journal).
// Whatever happens on this connection (a client that vanishes mid-frame,
// resets, or sends garbage) ends this connection only.
void TraitementConnexion(int service, int numero, const SmopUsers& users)
{
    // TODO: as in lab 10: loop: Receive() a request (0: the client left; EMSGSIZE: answer SMOP_REPONSE_TROP_LONGUE; EBADMSG: an empty request; other errors: report and stop), SMOP() the reply with this connection's SmopSession, Send() it, then Journal() the request's line and the reply's line together
    (void)service;
    (void)numero;
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): as in lab 10: loop: Receive() a request (0: the client left; EMSGSIZE: answer SMOP_REPONSE_TROP_LONGUE; EBADMSG: an empty request; other errors: report and stop), SMOP() the reply with this connection's SmopSession, Send() it, then Journal() the request's line and the reply's line together\n", __FILE__, __LINE__);
    std::exit(99);
}

// FctThreadClient: the body of thread `numero` of the pool, for the whole
// life of the server: take a connection from the queue, serve it, close it
// (its Descripteur does), take the next.
void FctThreadClient(int numero, FileAttente& file, const SmopUsers& users)
{
    // TODO: forever: Retirer() a connection, print "[THREAD n] Connexion acceptee (client ip)", TraitementConnexion(), print "[THREAD n] Fin de connexion du client." (the socket closes when the connection goes)
    (void)numero;
    (void)file;
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): forever: Retirer() a connection, print \"[THREAD n] Connexion acceptee (client ip)\", TraitementConnexion(), print \"[THREAD n] Fin de connexion du client.\" (the socket closes when the connection goes)\n", __FILE__, __LINE__);
    std::exit(99);
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    const int port = argc >= 2 ? parse_number(argv[1], 1, 65535) : -1;
    const int threads = argc >= 3 ? parse_number(argv[2], 1, kThreadsMax) : kThreadsParDefaut;
    const int capacite = argc >= 4 ? parse_number(argv[3], 0, kFileMax) : kFileParDefaut;
    if (argc < 2 || argc > 5 || port == -1 || threads == -1 || capacite == -1) {
        std::fprintf(stderr, "usage: Serveur port [threads] [queue] [users-file]\n");
        std::fprintf(stderr, "  port: 1-65535; threads: 1-%d (default %d); queue: 0-%d (default %d); "
                             "users-file: users.txt by default\n",
                     kThreadsMax, kThreadsParDefaut, kFileMax, kFileParDefaut);
        std::fprintf(stderr, "  e.g. Serveur 50000 2 20 ../10-smop-threads/users.txt\n");
        return EXIT_FAILURE;
    }
    const char* const usersFile = argc == 5 ? argv[4] : "users.txt";

    // The accounts and the queue live in main's frame, and main never
    // returns (it ends with _exit or exit), so the pool may use them.
    SmopUsers users;
    std::string error;
    if (!SMOP_LoadUsers(usersFile, users, error)) {
        std::fprintf(stderr, "Serveur: %s\n", error.c_str());
        return EXIT_FAILURE;
    }
    FileAttente file(capacite);

    // TODO: install the SIGINT handler (sigaction), ServerSocket() on the port, start the pool's threads (detached, numbered from 1), print "Demarrage du serveur (<threads> threads, file de <queue>)."; then forever: Accept(), Deposer() the connection; if the queue is full print "Connexion refusee: file pleine." and close it
    (void)port;
    (void)threads;
    (void)file;
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler (sigaction), ServerSocket() on the port, start the pool's threads (detached, numbered from 1), print \"Demarrage du serveur (<threads> threads, file de <queue>).\"; then forever: Accept(), Deposer() the connection; if the queue is full print \"Connexion refusee: file pleine.\" and close it\n", __FILE__, __LINE__);
    std::exit(99);
}
