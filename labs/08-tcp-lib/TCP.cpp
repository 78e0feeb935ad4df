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
    // TODO: check the port, resolve 0.0.0.0:port (getaddrinfo with AI_PASSIVE), socket(), SO_REUSEADDR, bind(), listen(); close the socket on every error path
    (void)port;
    std::fprintf(stderr, "TODO (%s:%d): check the port, resolve 0.0.0.0:port (getaddrinfo with AI_PASSIVE), socket(), SO_REUSEADDR, bind(), listen(); close the socket on every error path\n", __FILE__, __LINE__);
    std::exit(99);
}

int Accept(int sEcoute, char* ipClient)
{
    // TODO: accept() a connection (again on EINTR and ECONNABORTED), write the client's IPv4 address into ipClient when it is not null (inet_ntop)
    (void)sEcoute;
    (void)ipClient;
    std::fprintf(stderr, "TODO (%s:%d): accept() a connection (again on EINTR and ECONNABORTED), write the client's IPv4 address into ipClient when it is not null (inet_ntop)\n", __FILE__, __LINE__);
    std::exit(99);
}

int ClientSocket(const char* ipServeur, int portServeur)
{
    // TODO: check the arguments, resolve ipServeur:portServeur (getaddrinfo, AF_INET), socket(), connect(); close the socket and free the address list on every error path
    (void)ipServeur;
    (void)portServeur;
    std::fprintf(stderr, "TODO (%s:%d): check the arguments, resolve ipServeur:portServeur (getaddrinfo, AF_INET), socket(), connect(); close the socket and free the address list on every error path\n", __FILE__, __LINE__);
    std::exit(99);
}

int Send(int sSocket, const char* data, int taille)
{
    // TODO: check data and taille (EINVAL, EMSGSIZE), refuse a payload that contains "#)" (EINVAL), then write the payload and "#)" completely with MSG_NOSIGNAL, looping on short writes and EINTR
    (void)sSocket;
    (void)data;
    (void)taille;
    std::fprintf(stderr, "TODO (%s:%d): check data and taille (EINVAL, EMSGSIZE), refuse a payload that contains \"#)\" (EINVAL), then write the payload and \"#)\" completely with MSG_NOSIGNAL, looping on short writes and EINTR\n", __FILE__, __LINE__);
    std::exit(99);
}

int Receive(int sSocket, char* data)
{
    // TODO: read the bytes of the next frame up to its first "#)" (peek with MSG_PEEK, then consume exactly this frame's bytes), copy at most TAILLE_MAX_DATA of them into data; 0 on a close between frames, -1 with EMSGSIZE, EPROTO or the read's errno
    (void)sSocket;
    (void)data;
    std::fprintf(stderr, "TODO (%s:%d): read the bytes of the next frame up to its first \"#)\" (peek with MSG_PEEK, then consume exactly this frame's bytes), copy at most TAILLE_MAX_DATA of them into data; 0 on a close between frames, -1 with EMSGSIZE, EPROTO or the read's errno\n", __FILE__, __LINE__);
    std::exit(99);
}

void FrameDecoder::Append(const char* bytes, std::size_t count)
{
    // TODO: forget the bytes already taken out once they are at least half the buffer (each byte is moved at most once on average), then append
    (void)bytes;
    (void)count;
    std::fprintf(stderr, "TODO (%s:%d): forget the bytes already taken out once they are at least half the buffer (each byte is moved at most once on average), then append\n", __FILE__, __LINE__);
    std::exit(99);
}

FrameDecoder::Result FrameDecoder::Next(std::string& payload)
{
    // TODO: search "#)" from where the last search stopped (a last '#' may be the first half of the marker); take the frame out, or say why there is none: NeedMore, Empty, TooLong (sticky)
    (void)payload;
    std::fprintf(stderr, "TODO (%s:%d): search \"#)\" from where the last search stopped (a last '#' may be the first half of the marker); take the frame out, or say why there is none: NeedMore, Empty, TooLong (sticky)\n", __FILE__, __LINE__);
    std::exit(99);
}

std::size_t FrameDecoder::Buffered() const
{
    return buffer_.size() - start_;
}
