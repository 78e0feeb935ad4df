// TestResolutionNom: resolve a host name and a service to numeric addresses
// with getaddrinfo(), then turn a numeric address and port back into names
// with getnameinfo().
//
// usage: TestResolutionNom host service address port
//   e.g. TestResolutionNom www.google.be http 127.0.0.1 80
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

// Explain a getaddrinfo()/getnameinfo() failure: their codes are not errno
// values, except EAI_SYSTEM, which means "look at errno".
const char* gai_reason(int code)
{
    return code == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(code);
}

// Print every IPv4 TCP address of host:service in numeric form.
bool print_numeric(const char* host, const char* service)
{
    // TODO: resolve host and service with getaddrinfo(), print "Adresse IP: <ip> -- Port: <port>" for each result (getnameinfo() with NI_NUMERICHOST | NI_NUMERICSERV), free the list
    (void)host;
    (void)service;
    std::fprintf(stderr, "TODO (%s:%d): resolve host and service with getaddrinfo(), print \"Adresse IP: <ip> -- Port: <port>\" for each result (getnameinfo() with NI_NUMERICHOST | NI_NUMERICSERV), free the list\n", __FILE__, __LINE__);
    std::exit(99);
}

// Print the host and service names of a numeric IPv4 address and port.
bool print_names(const char* address, const char* port)
{
    // TODO: build the address with getaddrinfo() (AI_NUMERICHOST | AI_NUMERICSERV), print "Hote: <host> -- Service: <service>" (getnameinfo() with flags 0), free the list
    (void)address;
    (void)port;
    std::fprintf(stderr, "TODO (%s:%d): build the address with getaddrinfo() (AI_NUMERICHOST | AI_NUMERICSERV), print \"Hote: <host> -- Service: <service>\" (getnameinfo() with flags 0), free the list\n", __FILE__, __LINE__);
    std::exit(99);
}

int main(int argc, char* argv[])
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: TestResolutionNom host service address port\n");
        std::fprintf(stderr, "  e.g. TestResolutionNom www.google.be http 127.0.0.1 80\n");
        return EXIT_FAILURE;
    }
    if (!print_numeric(argv[1], argv[2]))
        return EXIT_FAILURE;
    if (!print_names(argv[3], argv[4]))
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}
