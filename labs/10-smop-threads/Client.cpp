// Client: an interactive client of the SMOP server (see SMOP.h), built on the
// TCP library of lab 08. It logs in with the user and password typed at the
// keyboard, then sends the operations typed ("5 * 3", "-7/2", ...) and prints
// their results, until Ctrl-C (SIGINT) or the end of the input (Ctrl-D):
// then it logs out and leaves. It notices when the server has stopped.
//
// usage: Client ipServeur portServeur
//   e.g. Client 127.0.0.1 50000
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unistd.h>

#include "TCP.h"

namespace {

// Room for a typed line: user, password or operation, its '\n' and '\0'.
constexpr int kLigneMax = 256;

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

// Set by SIGINT: the user asked to stop. sig_atomic_t, the one type a
// handler may write that the program can then read safely.
volatile sig_atomic_t g_arret = 0;

// SIGINT (Ctrl-C): only note the request; the program logs out itself, which
// a handler could not do safely (Send and printf are not async-signal-safe).
// The handler is installed without SA_RESTART, so a read() waiting for the
// keyboard fails with EINTR and fgets returns: the main loop sees the flag.
void HandlerSIGINT(int)
{
    // TODO: set g_arret to 1, nothing else
    std::fprintf(stderr, "TODO (%s:%d): set g_arret to 1, nothing else\n", __FILE__, __LINE__);
    std::exit(99);
}

// What LireLigne got.
enum class Saisie { Ligne, Fin, TropLongue };

// LireLigne: print `prompt` and read one line of the keyboard into `line`
// (size bytes), without its '\n'.
// Returns Fin at the end of the input (Ctrl-D) or after a Ctrl-C, TropLongue
// when the line does not fit (the rest of it is read and dropped).
// Given to students: the lesson is the protocol, not fgets.
Saisie LireLigne(const char* prompt, char* line, int size)
{
    std::printf("%s", prompt);
    std::fflush(stdout);  // the prompt has no '\n': show it now
    // A Ctrl-C that came during the last exchange: the library retried its
    // calls, so nobody has seen the flag yet. (One that comes between this
    // test and the read() inside fgets is only seen after the next line.)
    if (g_arret)
        return Saisie::Fin;
    if (std::fgets(line, size, stdin) == nullptr)
        return Saisie::Fin;  // end of input, or EINTR: Ctrl-C
    size_t length = std::strlen(line);
    if (length > 0 && line[length - 1] == '\n') {
        line[--length] = '\0';
    } else if (!std::feof(stdin)) {
        int c;
        while ((c = std::getchar()) != '\n' && c != EOF) {
        }
        return Saisie::TropLongue;
    }
    if (length > 0 && line[length - 1] == '\r')  // a terminal that sends CR LF
        line[--length] = '\0';
    return Saisie::Ligne;
}

// Echange: send `request` as one frame and receive the reply into `reply`
// (room for TAILLE_MAX_DATA bytes). Returns the reply's length.
// Any failure ends the program with status 1: a client has nothing else to
// do without its server. A server gone (Receive returns 0) is said so.
int Echange(int s, const std::string& request, char* reply)
{
    // TODO: Send() the request, Receive() the reply; on 0 print "Serveur arrete, pas de reponse recue." and exit 1; on an error perror and exit 1 (close the socket first)
    (void)s;
    (void)request;
    (void)reply;
    std::fprintf(stderr, "TODO (%s:%d): Send() the request, Receive() the reply; on 0 print \"Serveur arrete, pas de reponse recue.\" and exit 1; on an error perror and exit 1 (close the socket first)\n", __FILE__, __LINE__);
    std::exit(99);
}

// AnalyseOperation: read "a op b" from a typed line: a and b integers, each
// an optional '-' then digits; op one of + - * /; blanks allowed around
// each. Sets a and b to their text (as typed; the server checks their range).
// Returns false if the line is not of that form.
//   "5 * 3", "5*3", "-7 / 2", "5 - -3", "5--3" are accepted; "5 x 3", "5 +",
//   "+5 + 3", "5 * 3 4" are not.
bool AnalyseOperation(std::string_view line, std::string_view& a, char& op, std::string_view& b)
{
    // TODO: skip blanks, take an optional '-' and digits (a), skip blanks, one of + - * / (op), skip blanks, an optional '-' and digits (b), skip blanks: the line must end there
    (void)line;
    (void)a;
    (void)op;
    (void)b;
    std::fprintf(stderr, "TODO (%s:%d): skip blanks, take an optional '-' and digits (a), skip blanks, one of + - * / (op), skip blanks, an optional '-' and digits (b), skip blanks: the line must end there\n", __FILE__, __LINE__);
    std::exit(99);
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

    // TODO: install the SIGINT handler WITHOUT SA_RESTART; ClientSocket(); read user and password, send LOGIN#user#password (ko: print "Erreur : <reason>", exit 1); then loop: read "a op b", send OPER#op#a#b, print "Résultat = <result>" or "Erreur : <reason>"; at Ctrl-C or end of input: LOGOUT, close, print "Arret du client."
    std::fprintf(stderr, "TODO (%s:%d): install the SIGINT handler WITHOUT SA_RESTART; ClientSocket(); read user and password, send LOGIN#user#password (ko: print \"Erreur : <reason>\", exit 1); then loop: read \"a op b\", send OPER#op#a#b, print \"Résultat = <result>\" or \"Erreur : <reason>\"; at Ctrl-C or end of input: LOGOUT, close, print \"Arret du client.\"\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
