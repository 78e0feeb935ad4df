// KIT: reference only (a complete library: it stays in solutions/, students write their own)
// length-header/TCP.cpp: the TCP library of lab 08 with the course's OTHER
// framing strategy: a header of 4 decimal digits giving the payload length.
//
//   Send(s, "Hello World", 11)  puts  0 0 1 1 H e l l o   W o r l d  on the
//   wire (15 bytes). Receive reads 4 bytes, then exactly that many more.
//
// Same API and guarantees as ../TCP.cpp (the end-marker library; same TCP.h),
// with these differences, all due to the format:
//   - No byte value is special: a payload may contain "#)", Send accepts it.
//   - 4 digits cap a payload at 9999 bytes, one less than TAILLE_MAX_DATA:
//     Send(s, data, 10000) fails with EMSGSIZE in this variant. Conversely a
//     frame can never be too long for Receive's buffer: Receive has no
//     EMSGSIZE case, the bound holds by construction.
//   - A header that is not 4 digits: -1 with errno EPROTO. The stream cannot
//     be resynchronised (where would the next frame start?): close the
//     connection. "0000" (an empty frame, which Send never produces) is
//     consumed: -1 with EBADMSG, and the connection stays usable.
//   - Receive reads with ordinary recv() calls into the caller's buffer: it
//     never reads past the current frame, since it knows its length. Two
//     system calls per frame that arrived in one piece (header, payload).
// ServerSocket, Accept and ClientSocket are the same as in ../TCP.cpp.
//
// Reference material for the teacher: the tests run against it with
// `make test-length`.
#include "TCP.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace {

constexpr int kHeaderSize = 4;           // "0011"
constexpr int kMaxLengthPayload = 9999;  // the largest 4-digit number
static_assert(kMaxLengthPayload <= TAILLE_MAX_DATA, "a frame always fits Receive's buffer");

// Close fd on an error path and return -1 with the errno of the failure
// that got us here: close() must not replace it with its own.
int fail_closing(int fd)
{
    const int saved = errno;
    // The descriptor is released even when close() reports an error; there
    // is nothing more to do about it, and the first failure is the one the
    // caller needs to see.
    (void)close(fd);
    errno = saved;
    return -1;
}

// getaddrinfo() does not set errno: it returns an EAI_* code. Translate the
// code into the errno that TCP.h documents, so callers can use perror().
int errno_from_gai(int code)
{
    switch (code) {
    case EAI_SYSTEM: return errno;  // a system call failed and set errno
    case EAI_NONAME:
    case EAI_NODATA:
    case EAI_ADDRFAMILY:
    case EAI_FAIL: return EHOSTUNREACH;  // no IPv4 address for that name
    case EAI_AGAIN: return EAGAIN;       // the resolver may answer later
    case EAI_MEMORY: return ENOMEM;
    default: return EINVAL;              // a bad port or bad hints
    }
}

// Read exactly n bytes into buffer. Returns n, or the number of bytes read
// before the peer closed (< n), or -1 with errno. A signal (EINTR) during
// the wait is not an error: nothing was read, wait again.
int read_exactly(int s, char* buffer, int n)
{
    int got = 0;
    while (got < n) {
        const ssize_t r = recv(s, buffer + got, static_cast<size_t>(n - got), 0);
        if (r == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (r == 0) {
            break;  // the peer closed
        }
        got += static_cast<int>(r);
    }
    return got;
}

}  // namespace

int ServerSocket(int port)
{
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return -1;
    }
    char service[8];
    std::snprintf(service, sizeof service, "%d", port);

    // AI_PASSIVE with no host: the wildcard address 0.0.0.0, so clients may
    // reach the server through any local address (127.0.0.1 included).
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(nullptr, service, &hints, &results);
    if (rc != 0) {
        errno = errno_from_gai(rc);
        return -1;
    }
    // Keep a copy of the address and free the list at once: every error
    // path below then has only the socket to release.
    sockaddr_in address{};
    std::memcpy(&address, results->ai_addr, sizeof address);
    freeaddrinfo(results);

    const int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s == -1) {
        return -1;
    }
    // Without SO_REUSEADDR, a server restarted while connections of its
    // previous run sit in TIME_WAIT gets EADDRINUSE for a minute or so.
    const int on = 1;
    if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1) {
        return fail_closing(s);
    }
    if (bind(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) == -1) {
        return fail_closing(s);
    }
    // listen() here, not in Accept(): from now on the kernel completes the
    // handshakes of clients and queues their connections, even before the
    // server first calls Accept(). A client started right after the server
    // is queued instead of refused, and Accept() only has to accept.
    if (listen(s, SOMAXCONN) == -1) {
        return fail_closing(s);
    }
    return s;
}

int Accept(int sEcoute, char* ipClient)
{
    // No listen() here: ServerSocket already made the socket listen, so
    // that clients are queued even before the first Accept().
    sockaddr_storage peer{};
    socklen_t peer_length = 0;
    int s = -1;
    // EINTR: a signal arrived while we waited; no connection was taken, so
    // wait again. ECONNABORTED: a queued client reset its connection before
    // we took it; that concerns only that client, the listener is fine.
    do {
        peer_length = sizeof peer;
        s = accept(sEcoute, reinterpret_cast<sockaddr*>(&peer), &peer_length);
    } while (s == -1 && (errno == EINTR || errno == ECONNABORTED));
    if (s == -1) {
        return -1;
    }

    if (ipClient != nullptr) {
        // The caller gave room for INET_ADDRSTRLEN chars: an IPv4 address.
        if (peer.ss_family != AF_INET) {
            errno = EAFNOSUPPORT;
            return fail_closing(s);
        }
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
        if (inet_ntop(AF_INET, &v4->sin_addr, ipClient, INET_ADDRSTRLEN) == nullptr) {
            return fail_closing(s);
        }
    }
    return s;
}

int ClientSocket(const char* ipServeur, int portServeur)
{
    if (ipServeur == nullptr || portServeur < 1 || portServeur > 65535) {
        errno = EINVAL;
        return -1;
    }
    char service[8];
    std::snprintf(service, sizeof service, "%d", portServeur);

    // The host may be a dotted address or a name; the port is numeric.
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* results = nullptr;
    const int rc = getaddrinfo(ipServeur, service, &hints, &results);
    if (rc != 0) {
        errno = errno_from_gai(rc);
        return -1;
    }

    // A signal during connect() (EINTR) does not stop the handshake: it goes
    // on in the kernel, and calling connect() again would fail with EALREADY.
    // Wait until the socket is writable, then read the handshake's outcome.
    const auto finish_interrupted_connect = [](int s) {
        pollfd p{};
        p.fd = s;
        p.events = POLLOUT;
        int ready;
        do {
            ready = poll(&p, 1, -1);
        } while (ready == -1 && errno == EINTR);
        if (ready == -1) {
            return -1;
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length) == -1) {
            return -1;
        }
        if (error != 0) {
            errno = error;
            return -1;
        }
        return 0;
    };

    // A name may have several addresses: try them in order, each with a
    // fresh socket (a socket whose connect() failed cannot be reused).
    int s = -1;
    for (const addrinfo* a = results; a != nullptr; a = a->ai_next) {
        s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (s == -1) {
            break;  // out of descriptors or memory: the next address would fail too
        }
        int connected = connect(s, a->ai_addr, a->ai_addrlen);
        if (connected == -1 && errno == EINTR) {
            connected = finish_interrupted_connect(s);
        }
        if (connected == 0) {
            break;
        }
        s = fail_closing(s);  // s is -1 again, errno is connect()'s
    }
    const int saved = errno;
    freeaddrinfo(results);
    errno = saved;
    return s;
}

int Send(int sSocket, const char* data, int taille)
{
    // An empty payload is refused: Receive's 0 means "connection closed".
    if (data == nullptr || taille < 1) {
        errno = EINVAL;
        return -1;
    }
    if (taille > kMaxLengthPayload) {
        errno = EMSGSIZE;  // does not fit the 4 digits of the header
        return -1;
    }

    char header[kHeaderSize + 1];  // snprintf adds a '\0', not sent
    std::snprintf(header, sizeof header, "%04d", taille);

    // One sendmsg() with two pieces (header, then payload): the kernel
    // gathers them into one stream, no copy into a bigger buffer.
    iovec pieces[2];
    pieces[0].iov_base = header;
    pieces[0].iov_len = kHeaderSize;
    pieces[1].iov_base = const_cast<char*>(data);  // sendmsg only reads it
    pieces[1].iov_len = static_cast<size_t>(taille);
    msghdr message{};
    message.msg_iov = pieces;
    message.msg_iovlen = 2;

    while (message.msg_iovlen > 0) {
        // MSG_NOSIGNAL: writing to a connection the peer has closed raises
        // SIGPIPE, whose default action kills the process. With the flag,
        // sendmsg() fails with EPIPE instead and the caller decides.
        const ssize_t sent = sendmsg(sSocket, &message, MSG_NOSIGNAL);
        if (sent == -1) {
            // EINTR: a signal came before anything was written; try again.
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        // A short write (the kernel buffer filled up, or a signal came after
        // part of the data was taken) is not an error: skip what was sent
        // and write the rest.
        size_t done = static_cast<size_t>(sent);
        while (message.msg_iovlen > 0 && done >= message.msg_iov->iov_len) {
            done -= message.msg_iov->iov_len;
            ++message.msg_iov;
            --message.msg_iovlen;
        }
        if (message.msg_iovlen > 0) {
            message.msg_iov->iov_base = static_cast<char*>(message.msg_iov->iov_base) + done;
            message.msg_iov->iov_len -= done;
        }
    }
    return taille;
}

int Receive(int sSocket, char* data)
{
    if (data == nullptr) {
        errno = EINVAL;
        return -1;
    }

    char header[kHeaderSize];
    const int got = read_exactly(sSocket, header, kHeaderSize);
    if (got == -1) {
        return -1;  // ECONNRESET, EAGAIN after SO_RCVTIMEO, ...
    }
    if (got == 0) {
        return 0;  // closed between two frames: the normal end
    }
    if (got < kHeaderSize) {
        errno = EPROTO;  // closed in the middle of a header
        return -1;
    }

    int length = 0;
    for (const char digit : header) {
        if (digit < '0' || digit > '9') {
            errno = EPROTO;  // not our format; no way to find the next frame
            return -1;
        }
        length = length * 10 + (digit - '0');
    }
    if (length == 0) {
        errno = EBADMSG;  // "0000": no payload, and 0 means closed
        return -1;
    }

    // length <= 9999 < TAILLE_MAX_DATA: it fits data, whatever the peer sent.
    const int payload = read_exactly(sSocket, data, length);
    if (payload == -1) {
        return -1;
    }
    if (payload < length) {
        errno = EPROTO;  // closed in the middle of the payload
        return -1;
    }
    return length;
}
