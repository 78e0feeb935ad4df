// SMOP.h: the server side of SMOP, the "Simple Math Operations Protocol"
// (labs 10 and 11).
//
// A client logs in, asks for integer operations, logs out. Each request and
// each reply is one frame of the TCP library of lab 08; its fields are
// separated by '#':
//
//   request               replies
//   LOGIN#user#password   LOGIN#ok
//                         LOGIN#ko#Mauvais identifiants !   unknown user or wrong password
//                         LOGIN#ko#Client deja logge !      this connection is already logged in
//                         LOGIN#ko#Requete mal formee !     not exactly 2 non-empty fields
//   OPER#op#a#b           OPER#ok#result                    op: + - * /  (division truncates)
//                         OPER#ko#Client non logge !        this connection has not logged in
//                         OPER#ko#Division par zero !
//                         OPER#ko#Depassement de capacite ! the result does not fit in an int
//                         OPER#ko#Requete mal formee !      bad field count, operator or operand
//   LOGOUT                LOGOUT#ok                         also when not logged in
//   anything else         ERREUR#Requete inconnue !
//   (a frame too long)    ERREUR#Requete trop longue !      see SMOP_REPONSE_TROP_LONGUE
//
// a and b are decimal integers of 32 bits: an optional '-', then digits, no
// spaces, no '+'. A request is checked against the connection's state first
// (OPER needs a login, LOGIN needs none yet), then parsed. No request ends
// the connection: it stays open, logged in or out, until the client closes it.
//
// Thread safety: the module keeps no global state. The accounts (SmopUsers)
// are loaded once, then only read: every thread may share them. The login
// state belongs to one connection (SmopSession): the thread that serves the
// connection owns it, and it dies with the connection, so a new connection
// always starts logged out.
#ifndef SMOP_H
#define SMOP_H

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "TCP.h"  // TAILLE_MAX_DATA: the room of a reply

// The reply to a frame longer than TAILLE_MAX_DATA, which never reaches
// SMOP(): Receive() reports it with EMSGSIZE and the server answers this.
constexpr char SMOP_REPONSE_TROP_LONGUE[] = "ERREUR#Requete trop longue !";

// The accounts: user name -> password. std::less<> lets a std::string_view
// look a name up without building a std::string.
struct SmopUsers {
    std::map<std::string, std::string, std::less<>> passwords;
};

// The state of one connection.
struct SmopSession {
    bool logged_in = false;
    std::string user;  // the user logged in, "" when logged out
};

// SMOP_LoadUsers: read the accounts file `path` into `users` (replacing what
// it held). One account a line, "user:password"; a line whose first non-blank
// character is '#' is a comment; blank lines are ignored. A user or password
// is non-empty and holds no '#' (the field separator) and no space; the user
// holds no ':' (the password may). A user appears once.
// Returns true, or false with `error` set to a message naming the file and,
// for a malformed line, its number ("users.txt:3: ...").
bool SMOP_LoadUsers(const char* path, SmopUsers& users, std::string& error);

// SMOP: handle one request and build its reply.
//   request, length: the frame's payload as Receive() delivered it (not
//   '\0'-terminated; length 0 for an empty frame). It may hold any bytes.
//   reply: room for TAILLE_MAX_DATA bytes; receives the reply, not
//   '\0'-terminated, ready for Send(). It never holds "#)".
//   session: the connection's state, updated by LOGIN and LOGOUT.
// Returns the length of the reply (>= 1).
int SMOP(const char* request, int length, char* reply, SmopSession& session, const SmopUsers& users);

// The pieces SMOP() is made of, each testable alone.

// SMOP_Split: cut `text` at every '#' into fields, stored in
// fields[0 .. min(count, maxFields) - 1].
// Returns the number of fields in text (one more than its '#'), which may
// exceed maxFields: the caller sees that there were too many.
//   SMOP_Split("OPER#+#1#2") -> 4 fields;  SMOP_Split("") -> 1 empty field.
int SMOP_Split(std::string_view text, std::string_view* fields, int maxFields);

// SMOP_ParseInt: the value of `text` if it is a whole 32-bit decimal integer:
// an optional '-' then at least one digit, nothing else, within INT_MIN..INT_MAX.
bool SMOP_ParseInt(std::string_view text, int& value);

// SMOP_Login: is (user, password) one of the accounts?
bool SMOP_Login(const SmopUsers& users, std::string_view user, std::string_view password);

// The outcome of an operation.
enum class SmopCalcul {
    Ok,
    DivisionParZero,
    Depassement,       // the exact result is outside INT_MIN..INT_MAX
    OperateurInconnu,  // op is not one of + - * /
};

// SMOP_Operation: compute `a op b` into `result` (set only when Ok).
// Division truncates toward zero, as C++'s does.
SmopCalcul SMOP_Operation(char op, int a, int b, int& result);

#endif  // SMOP_H
