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
    // BEGIN SOLUTION: count the leading digits (1 to kIdChiffresMax), require a '#' right after them; split there
    // STUB: (void)datagram;
    // STUB: (void)id;
    // STUB: (void)rest;
    size_t digits = 0;
    while (digits < datagram.size() && datagram[digits] >= '0' && datagram[digits] <= '9')
        ++digits;
    if (digits == 0 || digits > kIdChiffresMax || digits >= datagram.size() || datagram[digits] != '#')
        return false;
    id = datagram.substr(0, digits);
    rest = datagram.substr(digits + 1);
    return true;
    // END SOLUTION
}

// LireEntier: the value of `text` if it is a whole 32-bit decimal integer:
// an optional '-', then at least one digit, nothing else, within int's range.
bool LireEntier(std::string_view text, int& value)
{
    // BEGIN SOLUTION: std::from_chars (base 10 accepts a leading '-' and no '+'): check its error code and that it used every character
    // STUB: (void)text;
    // STUB: (void)value;
    const char* end = text.data() + text.size();
    const auto [used, error] = std::from_chars(text.data(), end, value);
    return error == std::errc() && used == end;
    // END SOLUTION
}

// Calcule: the reply to OPER with fields op, a and b (without the id):
// "OPER#ok#<result>" or "OPER#ko#<reason>".
std::string Calcule(std::string_view op, std::string_view a, std::string_view b)
{
    // BEGIN SOLUTION: check op is one character of + - * / and a, b are integers (LireEntier); compute with the __builtin_*_overflow functions (signed overflow is undefined behaviour); b == 0 and INT_MIN / -1 for '/'
    // STUB: (void)op;
    // STUB: (void)a;
    // STUB: (void)b;
    int x = 0;
    int y = 0;
    if (op.size() != 1 || !LireEntier(a, x) || !LireEntier(b, y))
        return "OPER#ko#Requete mal formee !";
    int result = 0;
    bool overflow = false;
    switch (op[0]) {
    case '+': overflow = __builtin_add_overflow(x, y, &result); break;
    case '-': overflow = __builtin_sub_overflow(x, y, &result); break;
    case '*': overflow = __builtin_mul_overflow(x, y, &result); break;
    case '/':
        if (y == 0)
            return "OPER#ko#Division par zero !";
        overflow = (x == INT_MIN && y == -1);  // the one quotient outside int
        if (!overflow)
            result = x / y;  // truncates toward zero
        break;
    default:
        return "OPER#ko#Requete mal formee !";
    }
    if (overflow)
        return "OPER#ko#Depassement de capacite !";
    return "OPER#ok#" + std::to_string(result);
    // END SOLUTION
}

// Reponse: the reply to one datagram of `length` bytes, of which the first
// min(length, kRequeteMax) are in `data` (length is the datagram's real size,
// as recvfrom() with MSG_TRUNC reports it). name: the server's name, for WHO.
// Returns "" when the datagram is to be dropped (it has no id).
std::string Reponse(const char* data, size_t length, const std::string& name)
{
    // BEGIN SOLUTION: read the id (LireId) or drop; too long: ERREUR#Requete trop longue !; then by the request's first field: OPER with 4 fields (Calcule), WHO alone, anything else ERREUR#Requete inconnue !; prefix the reply with the id and '#'
    // STUB: (void)data;
    // STUB: (void)length;
    // STUB: (void)name;
    const std::string_view datagram(data, length < kRequeteMax ? length : kRequeteMax);
    std::string_view id;
    std::string_view request;
    if (!LireId(datagram, id, request))
        return "";
    std::string reply(id);
    reply += '#';
    if (length > kRequeteMax)
        return reply + "ERREUR#Requete trop longue !";

    // The request's fields, at most 4 kept: a fifth means too many.
    std::string_view fields[4];
    size_t count = 0;
    for (size_t start = 0;; ++count) {
        const size_t hash = request.find('#', start);
        if (count < 4)
            fields[count] = request.substr(start, hash == std::string_view::npos ? hash : hash - start);
        if (hash == std::string_view::npos)
            break;
        start = hash + 1;
    }
    ++count;  // the last field

    if (fields[0] == "OPER")
        return reply + (count == 4 ? Calcule(fields[1], fields[2], fields[3]) : "OPER#ko#Requete mal formee !");
    if (fields[0] == "WHO" && count == 1)
        return reply + "WHO#ok#" + name;
    return reply + "ERREUR#Requete inconnue !";
    // END SOLUTION
}

// SIGINT: say so and end at once, with async-signal-safe calls only (the
// server may be anywhere in its loop, e.g. inside printf).
void HandlerSIGINT(int)
{
    // BEGIN SOLUTION: write "\nArret du serveur.\n" with write(), close the socket, _exit() with status 0
    // STUB: (void)g_socket;
    const char message[] = "\nArret du serveur.\n";
    if (write(STDOUT_FILENO, message, sizeof message - 1) == -1) {
        // Nothing to do: the server is stopping anyway.
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

    // BEGIN SOLUTION: install the SIGINT handler; a SOCK_DGRAM socket bound to INADDR_ANY and the port; print "Demarrage du serveur."; then forever: recvfrom() with MSG_TRUNC into a buffer of kRequeteMax bytes (retry on EINTR), build the Reponse(), log it, sendto() the address the datagram came from (a failed sendto is reported; the server goes on)
    struct sigaction action {};
    action.sa_handler = HandlerSIGINT;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, nullptr) == -1) {
        std::perror("ServeurUDP: sigaction");
        return EXIT_FAILURE;
    }

    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s == -1) {
        std::perror("ServeurUDP: socket");
        return EXIT_FAILURE;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(parse_port(argv[1])));
    if (bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == -1) {
        std::perror("ServeurUDP: bind");
        close(s);
        return EXIT_FAILURE;
    }
    g_socket = s;
    std::printf("Demarrage du serveur.\n");

    char data[kRequeteMax];
    for (;;) {
        sockaddr_in from{};
        socklen_t fromLength = sizeof from;
        // MSG_TRUNC: copy at most sizeof data bytes, but return the
        // datagram's real length (the rest of a longer one is lost).
        const ssize_t n = recvfrom(s, data, sizeof data, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from),
                                   &fromLength);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            std::perror("ServeurUDP: recvfrom");
            close(s);
            return EXIT_FAILURE;
        }
        // n == 0 is an empty datagram, not an end of file: UDP has no connection to close.
        const size_t length = static_cast<size_t>(n);
        const size_t kept = length < sizeof data ? length : sizeof data;
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
        const unsigned port = ntohs(from.sin_port);
        std::printf("Requete de %s:%u (%zu octets) = %s\n", ip, port, length,
                    Montre(std::string_view(data, kept)).c_str());

        const std::string reply = Reponse(data, length, name);
        if (reply.empty()) {
            std::printf("\tignoree: elle ne commence pas par un id\n");
            continue;
        }
        if (sendto(s, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), fromLength) == -1) {
            std::perror("ServeurUDP: sendto");  // this client only: go on
            continue;
        }
        std::printf("\tReponse = %s\n", Montre(reply).c_str());
    }
    // END SOLUTION
}
