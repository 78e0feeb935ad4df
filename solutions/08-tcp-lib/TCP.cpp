// TCP.cpp: the TCP library of lab 08 (contract in TCP.h).
//
// Framing by end marker: a frame is the payload followed by "#)".
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

// Helpers for the functions below. [[maybe_unused]]: until the five
// functions are written, nothing calls them.

// Close fd on an error path and return -1 with the errno of the failure
// that got us here: close() must not replace it with its own.
[[maybe_unused]] int fail_closing(int fd)
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
[[maybe_unused]] int errno_from_gai(int code)
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

}  // namespace

int ServerSocket(int port)
{
    // BEGIN SOLUTION: check the port, resolve 0.0.0.0:port (getaddrinfo with AI_PASSIVE), socket(), SO_REUSEADDR, bind(), listen(); close the socket on every error path
    // STUB: (void)port;
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
    // END SOLUTION
}

int Accept(int sEcoute, char* ipClient)
{
    // BEGIN SOLUTION: accept() a connection (again on EINTR and ECONNABORTED), write the client's IPv4 address into ipClient when it is not null (inet_ntop)
    // STUB: (void)sEcoute;
    // STUB: (void)ipClient;
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
    // END SOLUTION
}

int ClientSocket(const char* ipServeur, int portServeur)
{
    // BEGIN SOLUTION: check the arguments, resolve ipServeur:portServeur (getaddrinfo, AF_INET), socket(), connect(); close the socket and free the address list on every error path
    // STUB: (void)ipServeur;
    // STUB: (void)portServeur;
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
    // END SOLUTION
}

int Send(int sSocket, const char* data, int taille)
{
    // BEGIN SOLUTION: check data and taille (EINVAL, EMSGSIZE), refuse a payload that contains "#)" (EINVAL), then write the payload and "#)" completely with MSG_NOSIGNAL, looping on short writes and EINTR
    // STUB: (void)sSocket;
    // STUB: (void)data;
    // STUB: (void)taille;
    // An empty payload is refused: Receive's 0 means "connection closed".
    if (data == nullptr || taille < 1) {
        errno = EINVAL;
        return -1;
    }
    if (taille > TAILLE_MAX_DATA) {
        errno = EMSGSIZE;
        return -1;
    }
    // The receiver ends a frame at the first "#)": a payload holding that
    // pair would arrive cut in two, the rest taken for the next frame. No
    // escaping in this format, so such a payload cannot be sent at all.
    for (int i = 0; i + 1 < taille; ++i) {
        if (data[i] == '#' && data[i + 1] == ')') {
            errno = EINVAL;
            return -1;
        }
    }

    // One sendmsg() with two pieces (payload, then marker) instead of a copy
    // into a bigger buffer: the kernel gathers them into one stream.
    char marker[2] = {'#', ')'};
    iovec pieces[2];
    pieces[0].iov_base = const_cast<char*>(data);  // sendmsg only reads it
    pieces[0].iov_len = static_cast<size_t>(taille);
    pieces[1].iov_base = marker;
    pieces[1].iov_len = sizeof marker;
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
    // END SOLUTION
}

int Receive(int sSocket, char* data)
{
    // BEGIN SOLUTION: read the bytes of the next frame up to its first "#)" (peek with MSG_PEEK, then consume exactly this frame's bytes), copy at most TAILLE_MAX_DATA of them into data; 0 on a close between frames, -1 with EMSGSIZE, EPROTO or the read's errno
    // STUB: (void)sSocket;
    // STUB: (void)data;
    if (data == nullptr) {
        errno = EINVAL;
        return -1;
    }

    // Why peek: one read() per byte costs one system call per byte. Reading
    // a big chunk instead may take bytes of the NEXT frame, which would have
    // to be kept somewhere until the next call; a static buffer per socket
    // would outlive close() (a new connection reusing the descriptor number
    // would inherit stale bytes) and need a lock for threads. So this frame
    // is found in a copy of what the kernel holds (recv with MSG_PEEK leaves
    // the bytes queued), and only its own bytes are then consumed: what
    // follows stays in the kernel for the next Receive.
    char window[TAILLE_MAX_DATA + 2];  // a whole maximal frame with its marker
    int length = 0;             // payload bytes of this frame so far
    bool too_long = false;      // the frame outgrew data: discard it to its marker
    bool hash_pending = false;  // consumed a final '#' that may start the marker

    // Append n payload bytes to data while they fit, else only note that
    // the frame is too long (nothing is written past the bound).
    const auto keep = [&](const char* bytes, int n) {
        if (too_long || n == 0) {
            return;
        }
        if (n > TAILLE_MAX_DATA - length) {
            too_long = true;
            return;
        }
        std::memcpy(data + length, bytes, static_cast<size_t>(n));
        length += n;
    };

    for (;;) {
        const ssize_t seen = recv(sSocket, window, sizeof window, MSG_PEEK);
        if (seen == -1) {
            // EINTR: a signal interrupted the wait, nothing was taken from
            // the stream; wait again. Other errors (ECONNRESET, EAGAIN after
            // SO_RCVTIMEO...) go to the caller with their errno.
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (seen == 0) {  // the peer closed its side
            if (length == 0 && !hash_pending && !too_long) {
                return 0;  // between two frames: the normal end
            }
            errno = EPROTO;  // in the middle of a frame: it will never end
            return -1;
        }

        // Where does this frame end in what we see?
        int payload = 0;        // bytes of window that belong to the payload
        int consume = 0;        // bytes of window to take off the stream
        bool complete = false;  // the end marker is among them
        const int n = static_cast<int>(seen);
        if (hash_pending && window[0] == ')') {
            complete = true;  // the '#' consumed last time began the marker
            consume = 1;
            hash_pending = false;
        } else {
            if (hash_pending) {
                keep("#", 1);  // a '#' not followed by ')' is payload
                hash_pending = false;
            }
            int i = 0;
            while (i + 1 < n && !(window[i] == '#' && window[i + 1] == ')')) {
                ++i;
            }
            if (i + 1 < n) {
                complete = true;
                payload = i;
                consume = i + 2;
            } else if (window[n - 1] == '#') {
                // The ')' may still be on its way. Consume the '#' anyway (a
                // peek that left it queued would see it again at once and
                // spin) and remember it for the next round.
                payload = n - 1;
                consume = n;
                hash_pending = true;
            } else {
                payload = n;
                consume = n;
            }
        }

        // Take exactly those bytes off the stream. They are queued already,
        // so this does not wait; the loop covers a signal all the same.
        int taken = 0;
        while (taken < consume) {
            const ssize_t got = recv(sSocket, window + taken, static_cast<size_t>(consume - taken), 0);
            if (got == -1) {
                if (errno == EINTR) {
                    continue;
                }
                return -1;
            }
            if (got == 0) {  // they were there a moment ago: another reader?
                errno = EPROTO;
                return -1;
            }
            taken += static_cast<int>(got);
        }
        keep(window, payload);

        if (complete) {
            if (too_long) {
                errno = EMSGSIZE;  // read and dropped up to its marker
                return -1;
            }
            if (length == 0) {
                errno = EBADMSG;  // "#)" alone: no payload, and 0 means closed
                return -1;
            }
            return length;
        }
    }
    // END SOLUTION
}

void FrameDecoder::Append(const char* bytes, std::size_t count)
{
    // BEGIN SOLUTION: forget the bytes already taken out once they are at least half the buffer (each byte is moved at most once on average), then append
    // STUB: (void)bytes;
    // STUB: (void)count;
    if (start_ > 0 && start_ >= buffer_.size() / 2) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    buffer_.append(bytes, count);
    // END SOLUTION
}

FrameDecoder::Result FrameDecoder::Next(std::string& payload)
{
    // BEGIN SOLUTION: search "#)" from where the last search stopped (a last '#' may be the first half of the marker); take the frame out, or say why there is none: NeedMore, Empty, TooLong (sticky)
    // STUB: (void)payload;
    payload.clear();
    if (too_long_) {
        return Result::TooLong;
    }
    const std::size_t available = buffer_.size() - start_;
    const std::size_t marker = buffer_.find("#)", start_ + scanned_);
    if (marker == std::string::npos) {
        // A frame of TAILLE_MAX_DATA bytes needs TAILLE_MAX_DATA + 2 with its
        // marker: with that many bytes and no marker, the frame is too long.
        if (available >= static_cast<std::size_t>(TAILLE_MAX_DATA) + 2) {
            too_long_ = true;
            return Result::TooLong;
        }
        scanned_ = available > 0 ? available - 1 : 0;  // the last byte may be a '#'
        return Result::NeedMore;
    }
    const std::size_t length = marker - start_;
    if (length > static_cast<std::size_t>(TAILLE_MAX_DATA)) {
        too_long_ = true;
        return Result::TooLong;
    }
    payload.assign(buffer_, start_, length);
    start_ = marker + 2;
    scanned_ = 0;
    return length == 0 ? Result::Empty : Result::Frame;
    // END SOLUTION
}

std::size_t FrameDecoder::Buffered() const
{
    return buffer_.size() - start_;
}
