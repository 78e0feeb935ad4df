// TCP.h: a small TCP library over the socket API (lab 08).
//
// Five functions hide the setup calls (socket, getaddrinfo, bind, listen,
// accept, connect) and turn TCP's byte stream into messages ("frames").
//
// Wire format of a frame: the payload bytes, then the two bytes '#' ')'.
//   Send(s, "Hello", 5)  puts  H e l l o # )  on the wire (7 bytes).
// The receiver ends a frame at the FIRST "#)" it meets in the stream. So a
// payload may contain '#' and ')' anywhere, even end with '#' ("ab#" travels
// as "ab##)"), but it may not contain the pair "#)" itself: Send refuses it.
//
// Error convention, as the system calls: on failure a function returns -1 and
// sets errno, so the caller may report with perror("Program: Send").
// Every function closes what it opened when it fails (no descriptor leaks).
// The caller owns the descriptors the library returns and close()s them.
//
// The library keeps no state between calls: several threads may use it at
// once, each on its own sockets (labs 10 and 11).
#ifndef TCP_H
#define TCP_H

// The largest payload Send accepts and Receive delivers, in bytes.
#define TAILLE_MAX_DATA 10000

// ServerSocket: make a listening TCP socket on port `port` of every local
// IPv4 address (0.0.0.0).
//   It creates the socket, sets SO_REUSEADDR (a restarted server can bind its
//   port while connections of its previous run are still in TIME_WAIT),
//   resolves the address with getaddrinfo (AI_PASSIVE), binds and listens.
//   Clients can connect as soon as it returns: the kernel queues their
//   connections until Accept takes them.
//   port: 0..65535; 0 lets the kernel pick a free port (see getsockname).
// Returns the listening descriptor, or -1 with errno:
//   EINVAL      port outside 0..65535
//   EADDRINUSE  another socket already listens on that port
//   or the errno of the call that failed (socket, setsockopt, bind, listen).
int ServerSocket(int port);

// Accept: wait for the next connection on a socket made by ServerSocket.
//   A signal (EINTR) or a client that gave up while still queued
//   (ECONNABORTED) does not end the wait: Accept waits for the next one.
//   ipClient: nullptr, or room for INET_ADDRSTRLEN (16) chars; receives the
//   client's IPv4 address in dotted form, e.g. "127.0.0.1", '\0'-terminated.
// Returns the service descriptor (talk to this client with Send/Receive),
// or -1 with errno from accept(), or EAFNOSUPPORT for a non-IPv4 client.
int Accept(int sEcoute, char* ipClient);

// ClientSocket: connect to the server at ipServeur:portServeur.
//   ipServeur: a dotted IPv4 address ("127.0.0.1") or a host name that the
//   resolver knows ("localhost", a name of /etc/hosts).
//   portServeur: 1..65535.
// Returns the connected descriptor, or -1 with errno:
//   EINVAL        ipServeur is null, or the port is outside 1..65535
//   EHOSTUNREACH  the name is unknown to the resolver (no IPv4 address for it)
//   EAGAIN        the resolver failed temporarily (try again later)
//   ECONNREFUSED  nothing listens on that port
//   or the errno of the call that failed (socket, connect, ...).
int ClientSocket(const char* ipServeur, int portServeur);

// Send: send `taille` bytes from `data` as one frame.
//   1 <= taille <= TAILLE_MAX_DATA. Writes the whole frame (payload and end
//   marker) before returning, however many write calls the kernel needs and
//   whatever signals interrupt them. Never raises SIGPIPE: a peer that is
//   gone gives -1 with EPIPE (or ECONNRESET).
// Returns taille, or -1 with errno:
//   EINVAL    data is null, taille < 1, or the payload contains "#)"
//             (the receiver would end the frame there); nothing is sent
//   EMSGSIZE  taille > TAILLE_MAX_DATA; nothing is sent
//   or the errno of the failed write (EPIPE, ECONNRESET, ...); part of the
//   frame may then be on the wire: close the connection.
// The socket must be a blocking one.
int Send(int sSocket, const char* data, int taille);

// Receive: receive the next frame into `data`.
//   data must have room for TAILLE_MAX_DATA bytes; Receive never writes
//   beyond data[TAILLE_MAX_DATA - 1]. The payload is NOT '\0'-terminated.
//   The payload is every byte before the first "#)" of the stream.
// Returns the payload length (>= 1),
//   0 when the peer closed the connection between two frames (normal end),
//   or -1 with errno:
//   EMSGSIZE  the frame was longer than TAILLE_MAX_DATA: it was read up to
//             its end marker and thrown away; the connection stays usable
//             and the next Receive returns the next frame
//   EBADMSG   an empty frame ("#)" alone), which Send never produces; it is
//             consumed and the connection stays usable
//   EPROTO    the peer closed the connection in the middle of a frame
//   EINVAL    data is null
//   or the errno of the failed read: ECONNRESET (the peer reset the
//   connection), EAGAIN/EWOULDBLOCK (the SO_RCVTIMEO timeout expired), ...
//   After any of these but EMSGSIZE and EBADMSG, part of a frame may have
//   been consumed: close the connection.
// The socket must be a blocking one.
int Receive(int sSocket, char* data);

// ----------------------------------------------------------------------
// FrameDecoder: frames out of bytes that come in any pieces (for lab 12).
//
// Receive suits a thread that may wait: it blocks until a whole frame is
// there. An event loop (lab 12) serves every client from one thread and must
// never wait for any one of them: one client holding half a frame would stall
// all the others. So it reads whatever a non-blocking read() returns (half a
// frame, three frames and a half...), gives those bytes to the connection's
// decoder, and takes out the frames that are complete; the rest waits in the
// decoder for the next read. Same wire format: the payload, then "#)".
//
//   FrameDecoder decoder;                // one per connection
//   decoder.Append(bytes, n);            // after each read() of n > 0 bytes
//   std::string payload;
//   while (decoder.Next(payload) == FrameDecoder::Result::Frame) { ... }
//
// Memory: besides the bytes of the last Append not yet taken out, it keeps at
// most one incomplete frame, so a caller that reads in bounded chunks and
// takes the frames out after each Append holds a bounded amount.
// Each byte is searched once, however many pieces its frame came in.
#include <cstddef>
#include <string>

#define TCP_FRAME_DECODER 1  // this TCP.h has a FrameDecoder (the tests look for it)

class FrameDecoder {
public:
    enum class Result {
        Frame,     // `payload` holds the next frame's payload (1..TAILLE_MAX_DATA bytes)
        NeedMore,  // no complete frame yet: read more bytes
        Empty,     // an empty frame ("#)" alone) was taken out; `payload` is empty
        TooLong,   // a frame longer than TAILLE_MAX_DATA: no frame can be trusted
                   // after it; every later Next says TooLong too (close the connection)
    };

    // Append: add `count` bytes received on the connection.
    void Append(const char* bytes, std::size_t count);

    // Next: take out the next complete frame, if there is one.
    Result Next(std::string& payload);

    // Buffered: the bytes received and not taken out yet.
    std::size_t Buffered() const;

private:
    std::string buffer_;       // received bytes; those before start_ are taken out
    std::size_t start_ = 0;    // where the next frame begins in buffer_
    std::size_t scanned_ = 0;  // bytes after start_ already searched for "#)"
    bool too_long_ = false;    // a frame was too long: the stream is lost
};

#endif  // TCP_H
