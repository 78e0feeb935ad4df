// Serveur: a SMOP server (see SMOP.h) in one thread: non-blocking sockets and
// an epoll event loop. Beyond the course (labs 10 and 11 use threads).
//
// One thread serves every client. It never waits for any one of them: it
// waits in epoll_wait() for whichever sockets are ready, and on each one does
// only what can be done at once (one read, the frames it completes, the
// writes the kernel takes). Each connection keeps its state between events:
// its FrameDecoder (lab 08) holds the bytes of a frame not complete yet, its
// output buffer the replies the client has not taken yet, its SmopSession
// the login.
//
// Bounds: a frame longer than TAILLE_MAX_DATA is answered
// "ERREUR#Requete trop longue !" and the connection closed once that reply is
// sent; a client that lets more than kMaxUnsent bytes of replies pile up
// unread is dropped. SIGINT (through a signalfd, so the loop sees it like
// any other event) closes every connection and stops the server (status 0).
//
// usage: Serveur port [users-file]      (users-file: users.txt by default)
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "SMOP.h"
#include "TCP.h"

namespace {

constexpr std::size_t kReadChunk = 4096;        // bytes read per event: one client cannot hog the loop
constexpr std::size_t kMaxUnsent = 64 * 1024;  // unsent replies beyond this: the client is dropped
constexpr int kMaxEvents = 64;                  // events taken per epoll_wait()
constexpr std::size_t kMaxDiscarded = 1 << 20;  // after a frame too long: bytes discarded before closing anyway

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

[[maybe_unused]] std::string Raison(int error)
{
    return std::generic_category().message(error);
}

}  // namespace

// One client's state, kept from one event to the next.
struct Connexion {
    int fd = -1;
    int numero = 0;
    std::string ip;
    FrameDecoder entree;        // bytes received, not yet a whole frame
    std::string sortie;         // replies (with their "#)") not yet sent
    std::size_t envoyes = 0;    // bytes of `sortie` already sent
    SmopSession session;        // a new connection starts logged out
    bool finLecture = false;    // no more requests: answer what is pending, then close
    bool vidange = false;       // after a frame too long: discard what still comes until the client closes
    std::size_t ignores = 0;    // bytes discarded so far
    bool lecture = true;        // EPOLLIN is asked for
    bool ecriture = false;      // EPOLLOUT is asked for (replies are waiting for room)
    bool fermee = false;        // closed during this batch of events (deleted after it)
    std::string raison;         // why it was closed, for the log
};

class Serveur {
public:
    Serveur(int ecoute, int signaux, int epoll, const SmopUsers& users)
        : ecoute_(ecoute), signaux_(signaux), epoll_(epoll), users_(users) {}
    Serveur(const Serveur&) = delete;
    Serveur& operator=(const Serveur&) = delete;
    ~Serveur()
    {
        if (reserve_ != -1)
            close(reserve_);
    }

    // Run until SIGINT; returns the exit status.
    int Boucle();

private:
    void AccepterTout();
    void Lire(Connexion& c);
    void Traiter(Connexion& c);
    void Ecrire(Connexion& c);
    void Interets(Connexion& c);
    void Fermer(Connexion& c, const std::string& raison);
    void Nettoyer();
    void ToutFermer();

    int ecoute_;
    int signaux_;
    int epoll_;
    const SmopUsers& users_;
    int reserve_ = -1;   // a spare descriptor, given up to refuse a client when none is left
    int numero_ = 0;
    std::map<int, std::unique_ptr<Connexion>> connexions_;
};

// AccepterTout: accept every connection waiting in the backlog (the listening
// socket is non-blocking: accept4 says EAGAIN when there is none left).
void Serveur::AccepterTout()
{
    // BEGIN SOLUTION: accept4() with SOCK_NONBLOCK until EAGAIN (again on EINTR, ECONNABORTED); out of descriptors (EMFILE, ENFILE): give up the spare descriptor to accept and close the client at once, then take a spare again; register each new connection for EPOLLIN and log it
    for (;;) {
        sockaddr_in adresse{};
        socklen_t taille = sizeof adresse;
        const int fd = accept4(ecoute_, reinterpret_cast<sockaddr*>(&adresse), &taille, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if ((errno == EMFILE || errno == ENFILE) && reserve_ != -1) {
                // Level-triggered epoll would report a waiting client again
                // and again: take it with the spare descriptor and close it.
                // accept4() takes a descriptor before it looks for a client,
                // so EMFILE does not mean that one waits: EAGAIN says so.
                close(reserve_);
                const int refuse = accept4(ecoute_, nullptr, nullptr, SOCK_CLOEXEC);
                const int cause = errno;
                if (refuse != -1 && close(refuse) == -1)
                    std::perror("Serveur: close");
                reserve_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (refuse != -1) {
                    std::printf("Client refuse : plus de descripteur libre\n");
                    continue;
                }
                if (cause == EINTR || cause == ECONNABORTED)
                    continue;
                if (cause != EAGAIN && cause != EWOULDBLOCK)
                    std::perror("Serveur: accept4");
                return;  // nobody waits (EAGAIN), or a fault: back to epoll_wait()
            }
            std::perror("Serveur: accept4");
            return;
        }
        auto c = std::make_unique<Connexion>();
        c->fd = fd;
        c->numero = ++numero_;
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &adresse.sin_addr, ip, sizeof ip);
        c->ip = ip;
        epoll_event evenement{};
        evenement.events = EPOLLIN;
        evenement.data.fd = fd;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &evenement) == -1) {
            std::perror("Serveur: epoll_ctl(ADD)");
            close(fd);
            continue;
        }
        std::printf("[CONNEXION %d] Connexion acceptee (client %s)\n", c->numero, ip);
        connexions_[fd] = std::move(c);
    }
    // END SOLUTION
}

// Lire: one read of what is there (at most kReadChunk bytes), then the
// frames it completes. End of file: the client will send nothing more (it
// closed, or half-closed with shutdown(SHUT_WR)): its pending replies are
// still sent. After a frame too long, what comes is read and thrown away
// until the client closes: closing a socket with unread bytes would send a
// reset, which can destroy the error reply before the client reads it.
void Serveur::Lire(Connexion& c)
{
    // BEGIN SOLUTION: read() at most kReadChunk bytes (again on EINTR; EAGAIN: nothing to do); when draining, discard them (close at end of file or past kMaxDiscarded); else n > 0: Append to the decoder and Traiter; 0: finLecture (drop an incomplete frame); an error: Fermer
    // STUB: (void)c;
    char tampon[kReadChunk];
    ssize_t n;
    do {
        n = read(c.fd, tampon, sizeof tampon);
    } while (n == -1 && errno == EINTR);
    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            Fermer(c, "read: " + Raison(errno));
        return;
    }
    if (c.vidange) {
        c.ignores += static_cast<std::size_t>(n);
        if (n == 0 || c.ignores > kMaxDiscarded)
            Fermer(c, "requete trop longue");
        return;
    }
    if (n == 0) {
        c.finLecture = true;
        if (c.entree.Buffered() > 0)
            std::printf("[CONNEXION %d] Fin de lecture au milieu d'une requete (%zu octets ignores)\n", c.numero,
                        c.entree.Buffered());
        return;
    }
    c.entree.Append(tampon, static_cast<std::size_t>(n));
    Traiter(c);
    // END SOLUTION
}

// Traiter: answer every complete frame the decoder holds, in order.
void Serveur::Traiter(Connexion& c)
{
    // BEGIN SOLUTION: take frames out of the decoder until NeedMore: a frame (or an empty one) gets SMOP()'s reply, queued with its "#)"; TooLong gets SMOP_REPONSE_TROP_LONGUE and ends the reading; then drop the client if its unsent replies pass kMaxUnsent
    // STUB: (void)c;
    std::string requete;
    char reponse[TAILLE_MAX_DATA];
    while (!c.finLecture) {
        const FrameDecoder::Result resultat = c.entree.Next(requete);
        if (resultat == FrameDecoder::Result::NeedMore)
            break;
        if (resultat == FrameDecoder::Result::TooLong) {
            std::printf("[CONNEXION %d] Requete trop longue (plus de %d octets) : fermeture\n", c.numero,
                        TAILLE_MAX_DATA);
            c.sortie.append(SMOP_REPONSE_TROP_LONGUE);
            c.sortie.append("#)");
            c.finLecture = true;
            c.vidange = true;
            break;
        }
        const int longueur =
            SMOP(requete.data(), static_cast<int>(requete.size()), reponse, c.session, users_);
        c.sortie.append(reponse, static_cast<std::size_t>(longueur));
        c.sortie.append("#)");
    }
    if (c.sortie.size() - c.envoyes > kMaxUnsent)
        Fermer(c, "le client ne lit pas ses reponses (plus de " + std::to_string(kMaxUnsent) + " octets en attente)");
    // END SOLUTION
}

// Ecrire: send what the kernel takes now; the rest waits for EPOLLOUT.
void Serveur::Ecrire(Connexion& c)
{
    // BEGIN SOLUTION: send() the unsent replies with MSG_NOSIGNAL until all are sent or EAGAIN (again on EINTR; another error: Fermer); forget what is sent; with nothing left to send after the end of reading, close (after a frame too long: shut the writing side and drain)
    // STUB: (void)c;
    while (c.envoyes < c.sortie.size()) {
        const ssize_t n = send(c.fd, c.sortie.data() + c.envoyes, c.sortie.size() - c.envoyes, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            Fermer(c, "send: " + Raison(errno));
            return;
        }
        c.envoyes += static_cast<std::size_t>(n);
    }
    if (c.envoyes == c.sortie.size()) {
        c.sortie.clear();
        c.envoyes = 0;
        if (c.vidange) {
            shutdown(c.fd, SHUT_WR);  // the reply is out: end of file for the client, then drain
        } else if (c.finLecture) {
            Fermer(c, "fin de connexion du client");
            return;
        }
    } else if (c.envoyes > c.sortie.size() / 2) {
        c.sortie.erase(0, c.envoyes);  // keep the buffer from growing with what is sent
        c.envoyes = 0;
    }
    // END SOLUTION
}

// Interets: what epoll should report for c: readable while it may still
// send requests, writable while replies wait for room.
void Serveur::Interets(Connexion& c)
{
    // BEGIN SOLUTION: EPOLLIN unless finLecture (or while draining), EPOLLOUT while replies are unsent; epoll_ctl(MOD) only when that changes
    // STUB: (void)c;
    const bool ecriture = c.envoyes < c.sortie.size();
    const bool lecture = !c.finLecture || c.vidange;
    if (ecriture == c.ecriture && lecture == c.lecture)
        return;
    epoll_event evenement{};
    evenement.events = (lecture ? EPOLLIN : 0u) | (ecriture ? EPOLLOUT : 0u);
    evenement.data.fd = c.fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &evenement) == -1) {
        Fermer(c, "epoll_ctl(MOD): " + Raison(errno));
        return;
    }
    c.ecriture = ecriture;
    c.lecture = lecture;
    // END SOLUTION
}

// Fermer: close c now; its entry is deleted after the current batch of
// events, so that no event of the batch meets a descriptor number reused by
// a connection accepted meanwhile.
void Serveur::Fermer(Connexion& c, const std::string& raison)
{
    if (c.fermee)
        return;
    if (close(c.fd) == -1)
        std::perror("Serveur: close");
    c.fermee = true;
    c.raison = raison;
}

void Serveur::Nettoyer()
{
    for (auto it = connexions_.begin(); it != connexions_.end();) {
        if (it->second->fermee) {
            std::printf("[CONNEXION %d] Fermee (%s)\n", it->second->numero, it->second->raison.c_str());
            it = connexions_.erase(it);
        } else {
            ++it;
        }
    }
}

void Serveur::ToutFermer()
{
    for (auto& entree : connexions_)
        Fermer(*entree.second, "arret du serveur");
    Nettoyer();
}

int Serveur::Boucle()
{
    reserve_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    // BEGIN SOLUTION: register the listening socket and the signalfd for EPOLLIN; forever: epoll_wait() (again on EINTR); for each event: the signalfd (SIGINT: close everything, print "Arret du serveur.", return 0), the listening socket (AccepterTout), or a connection (Lire when readable or on error, Ecrire when writable or after Lire, Interets); then Nettoyer
    for (const int fd : {ecoute_, signaux_}) {
        epoll_event evenement{};
        evenement.events = EPOLLIN;
        evenement.data.fd = fd;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &evenement) == -1) {
            std::perror("Serveur: epoll_ctl(ADD)");
            return EXIT_FAILURE;
        }
    }
    std::vector<epoll_event> evenements(kMaxEvents);
    for (;;) {
        const int n = epoll_wait(epoll_, evenements.data(), kMaxEvents, -1);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            std::perror("Serveur: epoll_wait");
            ToutFermer();
            return EXIT_FAILURE;
        }
        for (int i = 0; i < n; ++i) {
            const int fd = evenements[i].data.fd;
            const std::uint32_t quoi = evenements[i].events;
            if (fd == signaux_) {
                signalfd_siginfo info{};
                if (read(signaux_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                    ToutFermer();
                    std::printf("\nArret du serveur.\n");
                    return EXIT_SUCCESS;
                }
                continue;
            }
            if (fd == ecoute_) {
                AccepterTout();
                continue;
            }
            const auto trouvee = connexions_.find(fd);
            if (trouvee == connexions_.end() || trouvee->second->fermee)
                continue;
            Connexion& c = *trouvee->second;
            if ((quoi & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c.lecture)
                Lire(c);
            if (!c.fermee)
                Ecrire(c);  // after a read, and when the kernel has room again
            if (!c.fermee)
                Interets(c);
        }
        Nettoyer();
    }
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
    SmopUsers users;
    std::string error;
    if (!SMOP_LoadUsers(usersFile, users, error)) {
        std::fprintf(stderr, "Serveur: %s\n", error.c_str());
        return EXIT_FAILURE;
    }

    // SIGINT becomes an event like the others: blocked, then read from a
    // signalfd that the loop watches. No handler runs in the middle of the
    // loop's work, so stopping can close everything cleanly.
    sigset_t masque;
    sigemptyset(&masque);
    sigaddset(&masque, SIGINT);
    if (sigprocmask(SIG_BLOCK, &masque, nullptr) == -1) {
        std::perror("Serveur: sigprocmask");
        return EXIT_FAILURE;
    }
    const int signaux = signalfd(-1, &masque, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signaux == -1) {
        std::perror("Serveur: signalfd");
        return EXIT_FAILURE;
    }
    const int ecoute = ServerSocket(parse_port(argv[1]));
    if (ecoute == -1) {
        std::perror("Serveur: ServerSocket");
        close(signaux);
        return EXIT_FAILURE;
    }
    const int drapeaux = fcntl(ecoute, F_GETFL);
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    if (drapeaux == -1 || fcntl(ecoute, F_SETFL, drapeaux | O_NONBLOCK) == -1 || epoll == -1) {
        std::perror("Serveur: fcntl/epoll_create1");
        close(ecoute);
        close(signaux);
        return EXIT_FAILURE;
    }
    std::printf("Demarrage du serveur.\n");
    const int status = Serveur(ecoute, signaux, epoll, users).Boucle();
    close(epoll);
    close(ecoute);
    close(signaux);
    return status;
}
