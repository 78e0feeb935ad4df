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
    // BEGIN SOLUTION: set g_arret to 1, nothing else
    g_arret = 1;
    // END SOLUTION
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
    // BEGIN SOLUTION: Send() the request, Receive() the reply; on 0 print "Serveur arrete, pas de reponse recue." and exit 1; on an error perror and exit 1 (close the socket first)
    // STUB: (void)s;
    // STUB: (void)request;
    // STUB: (void)reply;
    if (Send(s, request.data(), static_cast<int>(request.size())) == -1) {
        std::perror("Client: Send");
        close(s);
        std::exit(EXIT_FAILURE);
    }
    const int n = Receive(s, reply);
    if (n == 0) {
        std::printf("Serveur arrete, pas de reponse recue.\n");
        close(s);
        std::exit(EXIT_FAILURE);
    }
    if (n == -1) {
        std::perror("Client: Receive");
        close(s);
        std::exit(EXIT_FAILURE);
    }
    return n;
    // END SOLUTION
}

// AnalyseOperation: read "a op b" from a typed line: a and b integers, each
// an optional '-' then digits; op one of + - * /; blanks allowed around
// each. Sets a and b to their text (as typed; the server checks their range).
// Returns false if the line is not of that form.
//   "5 * 3", "5*3", "-7 / 2", "5 - -3", "5--3" are accepted; "5 x 3", "5 +",
//   "+5 + 3", "5 * 3 4" are not.
bool AnalyseOperation(std::string_view line, std::string_view& a, char& op, std::string_view& b)
{
    // BEGIN SOLUTION: skip blanks, take an optional '-' and digits (a), skip blanks, one of + - * / (op), skip blanks, an optional '-' and digits (b), skip blanks: the line must end there
    // STUB: (void)line;
    // STUB: (void)a;
    // STUB: (void)op;
    // STUB: (void)b;
    size_t i = 0;
    auto skip_blanks = [&] {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
    };
    // An optional '-' then at least one digit; the text is stored in number.
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

    skip_blanks();
    if (!integer(a))
        return false;
    skip_blanks();
    if (i == line.size() || std::strchr("+-*/", line[i]) == nullptr)
        return false;
    op = line[i++];
    skip_blanks();
    if (!integer(b))
        return false;
    skip_blanks();
    return i == line.size();
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

    // BEGIN SOLUTION: install the SIGINT handler WITHOUT SA_RESTART; ClientSocket(); read user and password, send LOGIN#user#password (ko: print "Erreur : <reason>", exit 1); then loop: read "a op b", send OPER#op#a#b, print "Résultat = <result>" or "Erreur : <reason>"; at Ctrl-C or end of input: LOGOUT, close, print "Arret du client."
    // sa_flags without SA_RESTART: the read() inside fgets fails with EINTR
    // when Ctrl-C comes, instead of waiting on for the next line.
    struct sigaction action {};
    action.sa_handler = HandlerSIGINT;
    action.sa_flags = 0;
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
    std::printf("Connecte sur le serveur.\n");

    char reply[TAILLE_MAX_DATA];
    char user[kLigneMax];
    char password[kLigneMax];
    char line[kLigneMax];
    bool fin = false;  // the user asked to stop (Ctrl-C, Ctrl-D)

    // Login. '#' separates the fields of a request: a user or a password
    // holding one would be read as other fields (or end the frame, "#)").
    Saisie lu = LireLigne("user: ", user, sizeof user);
    if (lu == Saisie::Ligne)
        lu = LireLigne("password: ", password, sizeof password);
    if (lu == Saisie::TropLongue) {
        std::printf("Erreur : identifiant trop long (au plus %d caracteres)\n", kLigneMax - 2);
        close(s);
        return EXIT_FAILURE;
    }
    if (lu == Saisie::Fin) {
        fin = true;
    } else if (std::strchr(user, '#') != nullptr || std::strchr(password, '#') != nullptr) {
        std::printf("Erreur : le caractere '#' est interdit dans user et password\n");
        close(s);
        return EXIT_FAILURE;
    } else {
        const int n = Echange(s, std::string("LOGIN#") + user + "#" + password, reply);
        const std::string_view answer(reply, static_cast<size_t>(n));
        constexpr std::string_view kKo = "LOGIN#ko#";
        if (answer == "LOGIN#ok") {
            std::printf("Connecte en tant que %s.\n", user);
        } else {
            if (answer.substr(0, kKo.size()) == kKo)
                std::printf("Erreur : %.*s\n", n - static_cast<int>(kKo.size()), reply + kKo.size());
            else
                std::printf("Erreur : reponse inattendue du serveur : %.*s\n", n, reply);
            close(s);
            return EXIT_FAILURE;
        }
    }

    // Operations, until Ctrl-C or Ctrl-D.
    while (!fin) {
        lu = LireLigne("Operation (ex: 5 * 3, <CTRL-C> pour fin) : ", line, sizeof line);
        if (lu == Saisie::Fin)
            break;
        std::string_view a;
        std::string_view b;
        char op = 0;
        if (lu == Saisie::TropLongue || !AnalyseOperation(line, a, op, b)) {
            std::printf("Erreur : operation invalide (ex: 5 * 3)\n");
            continue;
        }
        std::string request = "OPER#";
        request += op;
        request.append("#").append(a).append("#").append(b);
        const int n = Echange(s, request, reply);
        const std::string_view answer(reply, static_cast<size_t>(n));
        // The reason follows "OPER#ko#", or "ERREUR#" for a request the
        // server did not understand.
        constexpr std::string_view kOk = "OPER#ok#";
        constexpr std::string_view kKo = "OPER#ko#";
        constexpr std::string_view kErreur = "ERREUR#";
        if (answer.substr(0, kOk.size()) == kOk)
            std::printf("Résultat = %.*s\n", n - static_cast<int>(kOk.size()), reply + kOk.size());
        else if (answer.substr(0, kKo.size()) == kKo)
            std::printf("Erreur : %.*s\n", n - static_cast<int>(kKo.size()), reply + kKo.size());
        else if (answer.substr(0, kErreur.size()) == kErreur)
            std::printf("Erreur : %.*s\n", n - static_cast<int>(kErreur.size()), reply + kErreur.size());
        else
            std::printf("Erreur : reponse inattendue du serveur : %.*s\n", n, reply);
    }

    // Ctrl-C or Ctrl-D at a prompt: end its line, then log out politely.
    std::printf("\n");
    const int n = Echange(s, "LOGOUT", reply);
    if (std::string_view(reply, static_cast<size_t>(n)) != "LOGOUT#ok") {
        std::printf("Erreur : reponse inattendue du serveur : %.*s\n", n, reply);
        close(s);
        return EXIT_FAILURE;
    }
    if (close(s) == -1) {
        std::perror("Client: close");
        return EXIT_FAILURE;
    }
    std::printf("Arret du client.\n");
    // END SOLUTION
    return EXIT_SUCCESS;
}
