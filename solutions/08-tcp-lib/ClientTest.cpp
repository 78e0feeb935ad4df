// ClientTest: the client half of the TCP library's test (lab 08). It connects
// to ServeurTest, then exchanges with it, through Send and Receive:
//   a text   (sends one, receives the answer),
//   a record (sends a PERSONNE, receives the server's).
// Every line it prints shows what went over the connection.
//
// usage: ClientTest ip port
//   e.g. ClientTest 127.0.0.1 50000      (ServeurTest 50000 running)
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
static_assert(sizeof(PERSONNE) == 28, "ServeurTest expects a PERSONNE of 28 bytes");

}  // namespace

int main(int argc, char* argv[])
{
    // Line-buffered stdout: each line shows at once, even through a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);

    // BEGIN SOLUTION: check the arguments (strtol for the port), ClientSocket(), then send "Bonjour, comment vas-tu ?", receive the answer, send the PERSONNE Wagner/49/87.21, receive the server's, printing each exchange; close the socket
    // STUB: (void)argc;
    // STUB: (void)argv;
    long port = -1;
    if (argc == 3) {
        char* end = nullptr;
        errno = 0;
        port = std::strtol(argv[2], &end, 10);
        if (errno != 0 || end == argv[2] || *end != '\0' || port < 1 || port > 65535) {
            port = -1;
        }
    }
    if (port == -1) {
        std::fprintf(stderr, "usage: ClientTest ip port\n");
        std::fprintf(stderr, "  e.g. ClientTest 127.0.0.1 50000   (port: 1..65535)\n");
        return EXIT_FAILURE;
    }

    const int s = ClientSocket(argv[1], static_cast<int>(port));
    if (s == -1) {
        std::perror("ClientTest: ClientSocket");
        return EXIT_FAILURE;
    }

    // Report a failed call, release the socket, and give the exit status.
    // (On this path the first error is the one to report: a failing close()
    // would add nothing, hence the (void).)
    const auto fail = [&](const char* call, const char* reason) {
        if (reason == nullptr) {
            std::perror(call);
        } else {
            std::fprintf(stderr, "%s: %s\n", call, reason);
        }
        (void)close(s);
        return EXIT_FAILURE;
    };

    // 1. A text, without its '\0': the byte count says where it ends.
    char text[] = "Bonjour, comment vas-tu ?";
    const int sent = Send(s, text, static_cast<int>(std::strlen(text)));
    if (sent == -1) {
        return fail("ClientTest: Send", nullptr);
    }
    std::printf("NbEcrits = %d\n", sent);
    std::printf("Ecrit    = --%s--\n", text);

    // Receive may write up to TAILLE_MAX_DATA bytes, whatever the peer sends:
    // the buffer has that room, plus one byte for the '\0' we add to text.
    char buffer[TAILLE_MAX_DATA + 1];
    int received = Receive(s, buffer);
    if (received == -1) {
        return fail("ClientTest: Receive", nullptr);
    }
    if (received == 0) {
        return fail("ClientTest: Receive", "the server closed the connection");
    }
    buffer[received] = '\0';
    std::printf("NbLus = %d\n", received);
    std::printf("Lu    = --%s--\n", buffer);

    // 2. A record, zeroed first: the unused bytes of nom travel too.
    PERSONNE p{};
    std::snprintf(p.nom, sizeof p.nom, "%s", "Wagner");
    p.age = 49;
    p.poids = 87.21f;
    // A binary record could happen to contain the bytes "#)": Send would
    // refuse it (EINVAL), a limit of the end-marker format.
    const int sent_record = Send(s, reinterpret_cast<char*>(&p), sizeof p);
    if (sent_record == -1) {
        return fail("ClientTest: Send", nullptr);
    }
    std::printf("NbEcrits = %d\n", sent_record);
    std::printf("Ecrit    = --%.*s--%d--%f--\n", static_cast<int>(sizeof p.nom), p.nom, p.age,
                static_cast<double>(p.poids));

    // The answer goes into the big buffer, not straight into a PERSONNE:
    // Receive could write up to TAILLE_MAX_DATA bytes into it.
    received = Receive(s, buffer);
    if (received == -1) {
        return fail("ClientTest: Receive", nullptr);
    }
    if (received != static_cast<int>(sizeof(PERSONNE))) {
        char reason[80];
        std::snprintf(reason, sizeof reason, "expected a PERSONNE of %zu bytes, received %d",
                      sizeof(PERSONNE), received);
        return fail("ClientTest: Receive", reason);
    }
    PERSONNE answer{};
    std::memcpy(&answer, buffer, sizeof answer);
    std::printf("NbLus = %d\n", received);
    // The name came from the network: it may lack its '\0', so print at
    // most the array's length.
    std::printf("Lu    = --%.*s--%d--%f--\n", static_cast<int>(sizeof answer.nom), answer.nom,
                answer.age, static_cast<double>(answer.poids));

    if (close(s) == -1) {
        std::perror("ClientTest: close");
        return EXIT_FAILURE;
    }
    // END SOLUTION
    return EXIT_SUCCESS;
}
