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
    // BEGIN SOLUTION: resolve host and service with getaddrinfo(), print "Adresse IP: <ip> -- Port: <port>" for each result (getnameinfo() with NI_NUMERICHOST | NI_NUMERICSERV), free the list
    // STUB: (void)host;
    // STUB: (void)service;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(host, service, &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "TestResolutionNom: getaddrinfo(%s, %s): %s\n", host, service,
                     gai_reason(rc));
        return false;
    }

    std::printf("Pour %s avec le service %s :\n", host, service);
    bool ok = true;
    for (const addrinfo* info = results; info != nullptr; info = info->ai_next) {
        char ip[NI_MAXHOST];
        char port[NI_MAXSERV];
        const int nrc = getnameinfo(info->ai_addr, info->ai_addrlen, ip, sizeof ip, port,
                                    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
        if (nrc != 0) {
            std::fprintf(stderr, "TestResolutionNom: getnameinfo: %s\n", gai_reason(nrc));
            ok = false;
            break;
        }
        std::printf("Adresse IP: %s -- Port: %s\n", ip, port);
    }
    freeaddrinfo(results);
    return ok;
    // END SOLUTION
}

// Print the host and service names of a numeric IPv4 address and port.
bool print_names(const char* address, const char* port)
{
    // BEGIN SOLUTION: build the address with getaddrinfo() (AI_NUMERICHOST | AI_NUMERICSERV), print "Hote: <host> -- Service: <service>" (getnameinfo() with flags 0), free the list
    // STUB: (void)address;
    // STUB: (void)port;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;  // no lookup: parse only
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(address, port, &hints, &results);
    if (rc != 0) {
        std::fprintf(stderr, "TestResolutionNom: getaddrinfo(%s, %s): %s\n", address, port,
                     gai_reason(rc));
        return false;
    }

    std::printf("Pour %s avec le port %s :\n", address, port);
    bool ok = true;
    for (const addrinfo* info = results; info != nullptr; info = info->ai_next) {
        char host[NI_MAXHOST];
        char service[NI_MAXSERV];
        // Flags 0: names where the hosts file or the services file has one,
        // numbers otherwise.
        const int nrc = getnameinfo(info->ai_addr, info->ai_addrlen, host, sizeof host, service,
                                    sizeof service, 0);
        if (nrc != 0) {
            std::fprintf(stderr, "TestResolutionNom: getnameinfo: %s\n", gai_reason(nrc));
            ok = false;
            break;
        }
        std::printf("Hote: %s -- Service: %s\n", host, service);
    }
    freeaddrinfo(results);
    return ok;
    // END SOLUTION
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
