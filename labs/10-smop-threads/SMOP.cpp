// SMOP.cpp: the server side of the SMOP protocol (see SMOP.h).
//
// No global variable: what a request needs comes in as arguments, so any
// number of threads may call these functions at once, each for its own
// connection. Requests are parsed in place with std::string_view (no copy,
// no strtok, whose hidden position is shared by every thread), and every
// write into the reply is bounded.
#include "SMOP.h"

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <system_error>

namespace {

// Remove the blanks (spaces, tabs) at both ends of a line.
std::string_view trim(std::string_view text)
{
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    const size_t last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// May this text be a user name or a password? See SMOP_LoadUsers.
bool valid_credential(std::string_view text)
{
    return !text.empty() && text.find_first_of("# \t") == std::string_view::npos;
}

}  // namespace

// Given to students: reading the accounts file is not the lesson of lab 10.
bool SMOP_LoadUsers(const char* path, SmopUsers& users, std::string& error)
{
    users.passwords.clear();
    if (path == nullptr) {
        error = "no accounts file given";
        return false;
    }
    errno = 0;
    std::ifstream file(path);
    if (!file) {
        error = std::string(path) + ": " + (errno != 0 ? std::generic_category().message(errno) : "cannot open");
        return false;
    }
    std::map<std::string, int, std::less<>> first_line;  // user -> line that defines it
    std::string line;
    errno = 0;
    for (int number = 1; std::getline(file, line); ++number) {
        std::string_view text(line);
        if (!text.empty() && text.back() == '\r')  // a file written on Windows
            text.remove_suffix(1);
        text = trim(text);
        if (text.empty() || text.front() == '#')
            continue;
        const std::string where = std::string(path) + ":" + std::to_string(number) + ": ";
        const size_t colon = text.find(':');
        if (colon == std::string_view::npos) {
            error = where + "expected user:password";
            return false;
        }
        const std::string_view user = text.substr(0, colon);
        const std::string_view password = text.substr(colon + 1);
        if (!valid_credential(user) || !valid_credential(password)) {
            error = where + "expected user:password, both non-empty, without '#' or spaces";
            return false;
        }
        const auto known = first_line.find(user);
        if (known != first_line.end()) {
            error = where + "user " + std::string(user) + " already defined on line " + std::to_string(known->second);
            return false;
        }
        first_line.emplace(user, number);
        users.passwords.emplace(user, password);
    }
    if (file.bad()) {  // getline stopped on a read error, not at the end (e.g. a folder)
        error = std::string(path) + ": " + (errno != 0 ? std::generic_category().message(errno) : "read error");
        users.passwords.clear();
        return false;
    }
    if (users.passwords.empty()) {
        error = std::string(path) + ": no account in this file";
        return false;
    }
    return true;
}

int SMOP_Split(std::string_view text, std::string_view* fields, int maxFields)
{
    // TODO: cut text at each '#'; store the first maxFields fields; return how many fields there are
    (void)text;
    (void)fields;
    (void)maxFields;
    std::fprintf(stderr, "TODO (%s:%d): cut text at each '#'; store the first maxFields fields; return how many fields there are\n", __FILE__, __LINE__);
    std::exit(99);
}

bool SMOP_ParseInt(std::string_view text, int& value)
{
    // TODO: accept only an optional '-' then digits, within the range of int (std::from_chars: check its error code and that it used every character)
    (void)text;
    (void)value;
    std::fprintf(stderr, "TODO (%s:%d): accept only an optional '-' then digits, within the range of int (std::from_chars: check its error code and that it used every character)\n", __FILE__, __LINE__);
    std::exit(99);
}

bool SMOP_Login(const SmopUsers& users, std::string_view user, std::string_view password)
{
    // TODO: look the user up in users.passwords and compare the password
    (void)users;
    (void)user;
    (void)password;
    std::fprintf(stderr, "TODO (%s:%d): look the user up in users.passwords and compare the password\n", __FILE__, __LINE__);
    std::exit(99);
}

SmopCalcul SMOP_Operation(char op, int a, int b, int& result)
{
    // TODO: compute in 64 bits, where + - * of two ints cannot overflow; refuse b == 0 for '/'; report a result outside INT_MIN..INT_MAX
    (void)op;
    (void)a;
    (void)b;
    (void)result;
    std::fprintf(stderr, "TODO (%s:%d): compute in 64 bits, where + - * of two ints cannot overflow; refuse b == 0 for '/'; report a result outside INT_MIN..INT_MAX\n", __FILE__, __LINE__);
    std::exit(99);
}

int SMOP(const char* request, int length, char* reply, SmopSession& session, const SmopUsers& users)
{
    // TODO: split the request into fields; LOGIN: already logged in? 3 non-empty fields? SMOP_Login; OPER: logged in? 4 fields, one operator char, two SMOP_ParseInt operands, SMOP_Operation; LOGOUT alone: log out; anything else: unknown. Write the reply (bounded) and return its length
    (void)request;
    (void)length;
    (void)reply;
    (void)session;
    (void)users;
    std::fprintf(stderr, "TODO (%s:%d): split the request into fields; LOGIN: already logged in? 3 non-empty fields? SMOP_Login; OPER: logged in? 4 fields, one operator char, two SMOP_ParseInt operands, SMOP_Operation; LOGOUT alone: log out; anything else: unknown. Write the reply (bounded) and return its length\n", __FILE__, __LINE__);
    std::exit(99);
}
