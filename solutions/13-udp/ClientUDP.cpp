// ClientUDP: an interactive client of ServeurUDP (lab 13). It sends each
// operation typed ("5 * 3", "-7/2", ...) as one datagram and prints its
// result. UDP may lose a datagram (the request or its reply), deliver it
// twice, or late: so each request carries an id, the client waits for the
// reply with that id only, and sends the same datagram again when none came
// in time. After kEssais copies without a reply it says so and ends with
// status 1. Ctrl-D (end of input) ends it, as does Ctrl-C (SIGINT's default
// action: the client holds nothing that needs closing by hand).
//
// With --broadcast, it finds the servers instead: it broadcasts WHO to the
// address given (e.g. 10.13.0.255, a network's broadcast address), lists
// every server that answers within kAttenteMs, and ends.
//
// usage: ClientUDP host port
//        ClientUDP --broadcast address port
//   e.g. ClientUDP 127.0.0.1 50000
//
// Request and reply formats: see ServeurUDP.cpp.
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int kEssais = 3;        // copies of a request sent, at most
constexpr int kAttenteMs = 500;   // wait for a reply after each copy, in ms
constexpr size_t kReponseMax = 1024;  // room for a reply (a longer one is cut, and so unreadable)
constexpr int kLigneMax = 256;    // room for a typed line
constexpr unsigned kIdMax = 999999999;  // the largest id: 9 digits

using Horloge = std::chrono::steady_clock;

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

// The IPv4 address of `host` (a name or a dotted address) and `port`, or
// false with the reason printed.
bool Adresse(const char* host, int port, sockaddr_in& address)
{
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    const int error = getaddrinfo(host, nullptr, &hints, &found);
    if (error != 0) {
        std::fprintf(stderr, "ClientUDP: %s: %s\n", host, gai_strerror(error));
        return false;
    }
    std::memcpy(&address, found->ai_addr, sizeof address);
    address.sin_port = htons(static_cast<uint16_t>(port));
    freeaddrinfo(found);
    return true;
}

}  // namespace

// Milliseconds left until `until` (0 when it has passed).
int ResteMs(Horloge::time_point until)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Horloge::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// A typed line: "a op b", with a and b integers (an optional '-', then
// digits) and op one of + - * /; blanks allowed around each. Sets a and b to
// their text, as typed. Returns false if the line is not of that form.
bool AnalyseOperation(std::string_view line, std::string_view& a, char& op, std::string_view& b)
{
    size_t i = 0;
    auto blanks = [&] {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
    };
    auto integer = [&](std::string_view& number) {
        const size_t start = i;
        if (i < line.size() && line[i] == '-')
            ++i;
        const size_t digits = i;
        while (i < line.size() && line[i] >= '0' && line[i] <= '9')
            ++i;
        number = line.substr(start, i - start);
        return i > digits;
    };
    blanks();
    if (!integer(a))
        return false;
    blanks();
    if (i == line.size() || std::strchr("+-*/", line[i]) == nullptr)
        return false;
    op = line[i++];
    blanks();
    if (!integer(b))
        return false;
    blanks();
    return i == line.size();
}

// Attendre: wait until the socket s has a datagram to read, or until
// `until` has passed, whichever comes first (a signal does not end the wait).
// Returns 1 (a datagram is there), 0 (time is up), or -1 when poll() failed
// (reported).
int Attendre(int s, Horloge::time_point until)
{
    // BEGIN SOLUTION: poll() the socket for POLLIN with ResteMs(until) as its timeout (the time left, recomputed each time); again on EINTR
    // STUB: (void)s;
    // STUB: (void)until;
    for (;;) {
        pollfd wanted{s, POLLIN, 0};
        const int ready = poll(&wanted, 1, ResteMs(until));
        if (ready != -1)
            return ready > 0 ? 1 : 0;
        if (errno != EINTR) {
            std::perror("ClientUDP: poll");
            return -1;
        }
    }
    // END SOLUTION
}

// What Echange() got.
enum class Issue { Reponse, PasDeReponse, Erreur };

// Echange: send `request` (its id is `id`) on the connected socket s, and
// wait for the reply that carries this id; store it, without its id, in
// `reply`. Up to kEssais copies of the same datagram, kAttenteMs apart.
// A reply with another id (a late copy of an earlier reply, a duplicate) is
// ignored, and does not restart the wait. Returns Reponse, PasDeReponse after
// the last copy's wait, or Erreur when a system call failed (reported).
Issue Echange(int s, unsigned id, const std::string& request, std::string& reply)
{
    // BEGIN SOLUTION: for each of kEssais copies: send() the request (a failure is an error); until kAttenteMs have passed (one deadline per copy): Attendre(), recv() a datagram, keep it if it starts with "<id>#", else say it is ignored. ECONNREFUSED (nothing listens on the port) counts as no reply
    // STUB: (void)s;
    // STUB: (void)id;
    // STUB: (void)request;
    // STUB: (void)reply;
    const std::string prefix = std::to_string(id) + "#";
    for (int copy = 1; copy <= kEssais; ++copy) {
        if (copy > 1)
            std::printf("\t(rien recu en %d ms : essai %d sur %d)\n", kAttenteMs, copy, kEssais);
        if (send(s, request.data(), request.size(), 0) == -1) {
            std::perror("ClientUDP: send");
            return Issue::Erreur;
        }
        const Horloge::time_point until = Horloge::now() + std::chrono::milliseconds(kAttenteMs);
        for (;;) {
            const int ready = Attendre(s, until);
            if (ready == -1)
                return Issue::Erreur;
            if (ready == 0)
                break;  // this copy's time is up
            char data[kReponseMax];
            const ssize_t n = recv(s, data, sizeof data, 0);
            if (n == -1 && (errno == EINTR || errno == ECONNREFUSED))
                continue;  // ECONNREFUSED: an ICMP "port unreachable" for an earlier copy
            if (n == -1) {
                std::perror("ClientUDP: recv");
                return Issue::Erreur;
            }
            const std::string_view datagram(data, static_cast<size_t>(n));
            if (datagram.substr(0, prefix.size()) != prefix) {
                // Its id (the digits before its first '#') says whose it was; its
                // bytes are not printed: a stray datagram may hold anything.
                const size_t digits = datagram.find_first_not_of("0123456789");
                const std::string_view other = datagram.substr(0, digits < 9 ? digits : 9);
                std::printf("\t(reponse ignoree : id %.*s, la requete a l'id %u)\n", static_cast<int>(other.size()),
                            other.data(), id);
                continue;
            }
            reply.assign(datagram.substr(prefix.size()));
            return Issue::Reponse;
        }
    }
    return Issue::PasDeReponse;
    // END SOLUTION
}

// Decouverte: broadcast "<id>#WHO" to `address` and print each server that
// answers within kAttenteMs: "Serveur trouve : <name> (<ip>:<port>)".
// Returns the number of servers found, or -1 when a system call failed.
int Decouverte(const sockaddr_in& address)
{
    // BEGIN SOLUTION: a SOCK_DGRAM socket with SO_BROADCAST set (without it, sendto() to a broadcast address fails with EACCES); sendto() "1#WHO"; until kAttenteMs have passed: Attendre(), recvfrom() (the sender's address), keep replies "1#WHO#ok#<name>"; close the socket
    // STUB: (void)address;
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s == -1) {
        std::perror("ClientUDP: socket");
        return -1;
    }
    const int on = 1;
    if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) == -1) {
        std::perror("ClientUDP: setsockopt(SO_BROADCAST)");
        close(s);
        return -1;
    }
    const char request[] = "1#WHO";
    const std::string_view expected = "1#WHO#ok#";
    if (sendto(s, request, sizeof request - 1, 0, reinterpret_cast<const sockaddr*>(&address), sizeof address)
        == -1) {
        std::perror("ClientUDP: sendto");
        close(s);
        return -1;
    }
    int found = 0;
    const Horloge::time_point until = Horloge::now() + std::chrono::milliseconds(kAttenteMs);
    for (;;) {
        const int ready = Attendre(s, until);
        if (ready == -1) {
            close(s);
            return -1;
        }
        if (ready == 0)
            break;
        char data[kReponseMax];
        sockaddr_in from{};
        socklen_t fromLength = sizeof from;
        const ssize_t n = recvfrom(s, data, sizeof data, 0, reinterpret_cast<sockaddr*>(&from), &fromLength);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1) {
            std::perror("ClientUDP: recvfrom");
            close(s);
            return -1;
        }
        const std::string_view datagram(data, static_cast<size_t>(n));
        if (datagram.substr(0, expected.size()) != expected)
            continue;  // not an answer to this WHO
        const std::string_view name = datagram.substr(expected.size());
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
        std::printf("Serveur trouve : %.*s (%s:%u)\n", static_cast<int>(name.size()), name.data(), ip,
                    static_cast<unsigned>(ntohs(from.sin_port)));
        ++found;
    }
    if (close(s) == -1)
        std::perror("ClientUDP: close");
    return found;
    // END SOLUTION
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    const bool broadcast = argc == 4 && std::strcmp(argv[1], "--broadcast") == 0;
    if (!(argc == 3 || broadcast) || parse_port(argv[argc - 1]) == -1) {
        std::fprintf(stderr, "usage: ClientUDP host port\n"
                             "       ClientUDP --broadcast address port   (e.g. 10.13.0.255 50000)\n");
        return EXIT_FAILURE;
    }
    sockaddr_in server{};
    if (!Adresse(argv[argc - 2], parse_port(argv[argc - 1]), server))
        return EXIT_FAILURE;

    if (broadcast) {
        const int found = Decouverte(server);
        if (found == -1)
            return EXIT_FAILURE;
        std::printf("%d serveur(s) trouve(s).\n", found);
        return found > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }

    // BEGIN SOLUTION: a SOCK_DGRAM socket connect()ed to the server (send() then goes there, and recv() takes its datagrams only); then for each typed line: AnalyseOperation, the request "<id>#OPER#op#a#b" with a new id, Echange(), print "Resultat = ..." or "Erreur : ...", or "Pas de reponse du serveur." and end with status 1
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s == -1) {
        std::perror("ClientUDP: socket");
        return EXIT_FAILURE;
    }
    // connect() on a UDP socket sends nothing: it fixes the peer's address.
    // To a broadcast address it fails with EACCES: SO_BROADCAST is not set.
    if (connect(s, reinterpret_cast<sockaddr*>(&server), sizeof server) == -1) {
        std::perror("ClientUDP: connect");
        close(s);
        return EXIT_FAILURE;
    }

    int status = EXIT_SUCCESS;
    unsigned id = 0;
    char line[kLigneMax];
    for (;;) {
        std::printf("Operation (ex: 5 * 3, <CTRL-C> pour fin) : ");
        std::fflush(stdout);  // the prompt has no '\n': show it now
        if (std::fgets(line, sizeof line, stdin) == nullptr)
            break;  // end of input (Ctrl-D)
        std::string_view typed(line);
        if (!typed.empty() && typed.back() == '\n')
            typed.remove_suffix(1);
        else if (!std::feof(stdin)) {
            int c;
            while ((c = std::getchar()) != '\n' && c != EOF) {
            }
            std::printf("Ligne trop longue.\n");
            continue;
        }
        std::string_view a;
        std::string_view b;
        char op = 0;
        if (!AnalyseOperation(typed, a, op, b)) {
            std::printf("Operation mal formee (ex: 5 * 3).\n");
            continue;
        }
        id = id % kIdMax + 1;  // a new request, a new id (1 to kIdMax); its copies keep it
        const std::string request =
            std::to_string(id) + "#OPER#" + op + "#" + std::string(a) + "#" + std::string(b);
        std::string reply;
        const Issue issue = Echange(s, id, request, reply);
        if (issue == Issue::Erreur) {
            status = EXIT_FAILURE;
            break;
        }
        if (issue == Issue::PasDeReponse) {
            std::printf("Pas de reponse du serveur (%d essais, %d ms chacun).\n", kEssais, kAttenteMs);
            status = EXIT_FAILURE;
            break;
        }
        constexpr std::string_view ok = "OPER#ok#";
        constexpr std::string_view ko = "OPER#ko#";
        if (reply.compare(0, ok.size(), ok) == 0)
            std::printf("Resultat = %s\n", reply.c_str() + ok.size());
        else if (reply.compare(0, ko.size(), ko) == 0)
            std::printf("Erreur : %s\n", reply.c_str() + ko.size());
        else
            std::printf("Erreur : reponse inattendue %s\n", reply.c_str());
    }
    if (status == EXIT_SUCCESS)
        std::printf("\nArret du client.\n");  // after the prompt the Ctrl-D left on its line
    if (close(s) == -1)
        std::perror("ClientUDP: close");
    return status;
    // END SOLUTION
}
