// ServeurUDP: SMOP's operations over UDP (lab 13). One request per datagram,
// one reply per request, sent back to the address the request came from.
// There is no connection: the server keeps nothing from one datagram to the
// next, so any number of clients may talk to it at once. SIGINT stops it.
//
// usage: ServeurUDP port [name]
//   e.g. ServeurUDP 50000 zeus   then, elsewhere: ClientUDP 127.0.0.1 50000
//   name: what the server answers to WHO (default: the machine's host name)
//
// A request is "<id>#<request>", its reply "<id>#<reply>": the id is 1 to 9
// decimal digits chosen by the client, echoed exactly as received. The
// datagram is the frame: no end marker, no '\0', no newline.
//
//   request         reply
//   17#OPER#+#5#3   17#OPER#ok#8                        op: + - * /  (division truncates)
//   17#OPER#/#1#0   17#OPER#ko#Division par zero !
//                   17#OPER#ko#Depassement de capacite ! the result does not fit in an int
//                   17#OPER#ko#Requete mal formee !      bad field count, operator or operand
//   4#WHO           4#WHO#ok#zeus                       the server's name
//   4#HELLO         4#ERREUR#Requete inconnue !         any other request
//   (over 512 bytes) 4#ERREUR#Requete trop longue !     when its id can be read
//   (no id)         nothing: the datagram is dropped    (its sender could not tell
//                                                        which request failed)
// a and b are decimal integers of 32 bits: an optional '-', then digits.
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <unistd.h>

namespace {

// The longest request a server takes, in bytes (id included). A longer
// datagram is refused, never cut: a request cut short could still parse,
// and be answered as if it were what the client meant.
constexpr size_t kRequeteMax = 512;
constexpr size_t kIdChiffresMax = 9;  // an id fits in an int
constexpr size_t kNomMax = 64;        // the longest name WHO answers
constexpr size_t kMontreMax = 80;     // bytes of a request shown in the log

// The socket the SIGINT handler closes (-1: none yet).
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

// A name WHO can answer: 1 to kNomMax printable characters, without the
// field separator '#' and without blanks (a client reads it as one word).
bool NomValide(std::string_view name)
{
    if (name.empty() || name.size() > kNomMax)
        return false;
    for (const char c : name)
        if (c <= ' ' || c > '~' || c == '#')
            return false;
    return true;
}

}  // namespace

// The text of a datagram for the log: at most kMontreMax bytes, each byte
// that is not printable ASCII shown as '?' (a datagram may hold any bytes).
std::string Montre(std::string_view data)
{
    std::string shown;
    for (size_t i = 0; i < data.size() && i < kMontreMax; ++i)
        shown += (data[i] >= ' ' && data[i] <= '~') ? data[i] : '?';
    if (data.size() > kMontreMax)
        shown += "...";
    return shown;
}

// The pieces of Reponse(), each testable alone.

// LireId: the id at the start of a datagram: 1 to kIdChiffresMax digits
// followed by '#'. Sets id to the digits and rest to what follows the '#'.
// Returns false when the datagram does not start with an id.
bool LireId(std::string_view datagram, std::string_view& id, std::string_view& rest)
{
    // TODO: count the leading digits (1 to kIdChiffresMax), require a '#' right after them; split there
    (void)datagram;
    (void)id;
    (void)rest;
    std::fprintf(stderr, "TODO (%s:%d): count the leading digits (1 to kIdChiffresMax), require a '#' right after them; split there\n", __FILE__, __LINE__);
    std::exit(99);
}

// LireEntier: the value of `text` if it is a whole 32-bit decimal integer:
// an optional '-', then at least one digit, nothing else, within int's range.
bool LireEntier(std::string_view text, int& value)
{
    // TODO: std::from_chars (base 10 accepts a leading '-' and no '+'): check its error code and that it used every character
    (void)text;
    (void)value;
    std::fprintf(stderr, "TODO (%s:%d): std::from_chars (base 10 accepts a leading '-' and no '+'): check its error code and that it used every character\n", __FILE__, __LINE__);
    std::exit(99);
}

// Calcule: the reply to OPER with fields op, a and b (without the id):
// "OPER#ok#<result>" or "OPER#ko#<reason>".
std::string Calcule(std::string_view op, std::string_view a, std::string_view b)
{
    // TODO: check op is one character of + - * / and a, b are integers (LireEntier); compute with the __builtin_*_overflow functions (signed overflow is undefined behaviour); b == 0 and INT_MIN / -1 for '/'
    (void)op;
    (void)a;
    (void)b;
    std::fprintf(stderr, "TODO (%s:%d): check op is one character of + - * / and a, b are integers (LireEntier); compute with the __builtin_*_overflow functions (signed overflow is undefined behaviour); b == 0 and INT_MIN / -1 for '/'\n", __FILE__, __LINE__);
    std::exit(99);
}

// Reponse: the reply to one datagram of `length` bytes, of which the first
// min(length, kRequeteMax) are in `data` (length is the datagram's real size,
// as recvfrom() with MSG_TRUNC reports it). name: the server's name, for WHO.
// Returns "" when the datagram is to be dropped (it has no id).
std::string Reponse(const char* data, size_t length, const std::string& name)
{
    // TODO: read the id (LireId) or drop; too long: ERREUR#Requete trop longue !; then by the request's first field: OPER with 4 fields (Calcule), WHO alone, anything else ERREUR#Requete inconnue !; prefix the reply with the id and '#'
    (void)data;
    (void)length;
    (void)name;
    std::fprintf(stderr, "TODO (%s:%d): read the id (LireId) or drop; too long: ERREUR#Requete trop longue !; then by the request's first field: OPER with 4 fields (Calcule), WHO alone, anything else ERREUR#Requete inconnue !; prefix the reply with the id and '#'\n", __FILE__, __LINE__);
    std::exit(99);
}

// SIGINT: say so and end at once, with async-signal-safe calls only (the
// server may be anywhere in its loop, e.g. inside printf).
void HandlerSIGINT(int)
{
    // TODO: write "\nArret du serveur.\n" with write(), close the socket, _exit() with status 0
    (void)g_socket;
    std::fprintf(stderr, "TODO (%s:%d): write \"\\nArret du serveur.\\n\" with write(), close the socket, _exit() with status 0\n", __FILE__, __LINE__);
    std::exit(99);
}

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    if (argc < 2 || argc > 3 || parse_port(argv[1]) == -1 || (argc == 3 && !NomValide(argv[2]))) {
        std::fprintf(stderr, "usage: ServeurUDP port [name]   (port: 1-65535, e.g. 50000; name: 1 to %zu "
                             "printable characters, no '#', no blank)\n", kNomMax);
        return EXIT_FAILURE;
    }
    std::string name;
    if (argc == 3) {
        name = argv[2];
    } else {
        char host[kNomMax + 1] = {};
        if (gethostname(host, sizeof host - 1) == -1) {
            std::perror("ServeurUDP: gethostname");
            return EXIT_FAILURE;
        }
        name = host;
        if (!NomValide(name))
            name = "serveur";  // a host name WHO cannot carry
    }

    // TODO: install the SIGINT handler; a SOCK_DGRAM socket bound to INADDR_ANY and the port; print "Demarrage du serveur."; then forever: recvfrom() with MSG_TRUNC into a buffer of kRequeteMax bytes (retry on EINTR), build the Reponse(), log it, sendto() the address the datagram came from (a failed sendto is reported; the server goes on)
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler; a SOCK_DGRAM socket bound to INADDR_ANY and the port; print \"Demarrage du serveur.\"; then forever: recvfrom() with MSG_TRUNC into a buffer of kRequeteMax bytes (retry on EINTR), build the Reponse(), log it, sendto() the address the datagram came from (a failed sendto is reported; the server goes on)\n", __FILE__, __LINE__);
    std::exit(99);
}
