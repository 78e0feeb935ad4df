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

    // TODO: check the port argument (strtol), ServerSocket(), Accept(), then receive a text, send "Je vais bien merci ;) !", receive a PERSONNE, send charlet/54/71.98, printing each exchange; close both sockets
    (void)argc;
    (void)argv;
    std::fprintf(stderr, "TODO (%s:%d): check the port argument (strtol), ServerSocket(), Accept(), then receive a text, send \"Je vais bien merci ;) !\", receive a PERSONNE, send charlet/54/71.98, printing each exchange; close both sockets\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
