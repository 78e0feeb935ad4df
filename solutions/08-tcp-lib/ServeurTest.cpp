// ServeurTest: the server half of the TCP library's test (lab 08). It waits
// for one client, then exchanges with it, through Send and Receive:
//   a text   (receives one, answers another),
//   a record (receives a PERSONNE, answers with its own).
// Every line it prints shows what went over the connection.
//
// usage: ServeurTest port
//   e.g. ServeurTest 50000      then, in another terminal: ClientTest 127.0.0.1 50000
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "TCP.h"

namespace {

// The record both programs exchange, sent as its raw bytes. Both ends must
// agree on its layout (same compiler, same machine here): 28 bytes.
struct PERSONNE {
    char nom[20];
    int age;
    float poids;
};
static_assert(sizeof(PERSONNE) == 28, "ClientTest sends a PERSONNE of 28 bytes");

}  // namespace

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);

    // BEGIN SOLUTION: check the port argument (strtol), ServerSocket(), Accept(), then receive a text, send "Je vais bien merci ;) !", receive a PERSONNE, send charlet/54/71.98, printing each exchange; close both sockets
    // STUB: (void)argc;
    // STUB: (void)argv;
    long port = -1;
    if (argc == 2) {
        char* end = nullptr;
        errno = 0;
        port = std::strtol(argv[1], &end, 10);
        if (errno != 0 || end == argv[1] || *end != '\0' || port < 1 || port > 65535) {
            port = -1;
        }
    }
    if (port == -1) {
        std::fprintf(stderr, "usage: ServeurTest port\n");
        std::fprintf(stderr, "  e.g. ServeurTest 50000   (port: 1..65535)\n");
        return EXIT_FAILURE;
    }

    const int listener = ServerSocket(static_cast<int>(port));
    if (listener == -1) {
        std::perror("ServeurTest: ServerSocket");
        return EXIT_FAILURE;
    }
    std::printf("Attente d'une connexion...\n");
    const int service = Accept(listener, nullptr);
    if (service == -1) {
        std::perror("ServeurTest: Accept");
        (void)close(listener);
        return EXIT_FAILURE;
    }
    std::printf("Connexion acceptee !\n");

    // Report a failed call, release both sockets, and give the exit status.
    // (On this path the first error is the one to report: a failing close()
    // would add nothing, hence the (void).)
    const auto fail = [&](const char* call, const char* reason) {
        if (reason == nullptr) {
            std::perror(call);
        } else {
            std::fprintf(stderr, "%s: %s\n", call, reason);
        }
        (void)close(service);
        (void)close(listener);
        return EXIT_FAILURE;
    };

    // Receive may write up to TAILLE_MAX_DATA bytes, whatever the peer sends:
    // the buffer has that room, plus one byte for the '\0' we add to text.
    char buffer[TAILLE_MAX_DATA + 1];

    // 1. A text. Its '\0' does not travel: the byte count says where it ends.
    int received = Receive(service, buffer);
    if (received == -1) {
        return fail("ServeurTest: Receive", nullptr);
    }
    if (received == 0) {
        return fail("ServeurTest: Receive", "the client closed the connection");
    }
    buffer[received] = '\0';
    std::printf("NbLus = %d\n", received);
    std::printf("Lu    = --%s--\n", buffer);

    char text[] = "Je vais bien merci ;) !";
    const int sent = Send(service, text, static_cast<int>(std::strlen(text)));
    if (sent == -1) {
        return fail("ServeurTest: Send", nullptr);
    }
    std::printf("NbEcrits = %d\n", sent);
    std::printf("Ecrit    = --%s--\n", text);

    // 2. A record, received into the big buffer and not straight into a
    // PERSONNE: Receive could write up to TAILLE_MAX_DATA bytes into it.
    received = Receive(service, buffer);
    if (received == -1) {
        return fail("ServeurTest: Receive", nullptr);
    }
    if (received != static_cast<int>(sizeof(PERSONNE))) {
        char reason[80];
        std::snprintf(reason, sizeof reason, "expected a PERSONNE of %zu bytes, received %d",
                      sizeof(PERSONNE), received);
        return fail("ServeurTest: Receive", reason);
    }
    PERSONNE p{};
    std::memcpy(&p, buffer, sizeof p);
    std::printf("NbLus = %d\n", received);
    // The name came from the network: it may lack its '\0', so print at
    // most the array's length.
    std::printf("Lu    = --%.*s--%d--%f--\n", static_cast<int>(sizeof p.nom), p.nom, p.age,
                static_cast<double>(p.poids));

    // Its own record, zeroed first: the unused bytes of nom travel too.
    PERSONNE mine{};
    std::snprintf(mine.nom, sizeof mine.nom, "%s", "charlet");
    mine.age = 54;
    mine.poids = 71.98f;
    // A binary record could happen to contain the bytes "#)": Send would
    // refuse it (EINVAL), a limit of the end-marker format.
    const int sent_record = Send(service, reinterpret_cast<char*>(&mine), sizeof mine);
    if (sent_record == -1) {
        return fail("ServeurTest: Send", nullptr);
    }
    std::printf("NbEcrits = %d\n", sent_record);
    std::printf("Ecrit    = --%.*s--%d--%f--\n", static_cast<int>(sizeof mine.nom), mine.nom,
                mine.age, static_cast<double>(mine.poids));

    const int closed_service = close(service);
    const int closed_listener = close(listener);
    if (closed_service == -1 || closed_listener == -1) {
        std::perror("ServeurTest: close");
        return EXIT_FAILURE;
    }
    // END SOLUTION
    return EXIT_SUCCESS;
}
