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

    // TODO: check the arguments (strtol for the port), ClientSocket(), then send "Bonjour, comment vas-tu ?", receive the answer, send the PERSONNE Wagner/49/87.21, receive the server's, printing each exchange; close the socket
    (void)argc;
    (void)argv;
    std::fprintf(stderr, "TODO (%s:%d): check the arguments (strtol for the port), ClientSocket(), then send \"Bonjour, comment vas-tu ?\", receive the answer, send the PERSONNE Wagner/49/87.21, receive the server's, printing each exchange; close the socket\n", __FILE__, __LINE__);
    std::exit(99);
    return EXIT_SUCCESS;
}
