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
    // BEGIN SOLUTION: cut text at each '#'; store the first maxFields fields; return how many fields there are
    // STUB: (void)text;
    // STUB: (void)fields;
    // STUB: (void)maxFields;
    int count = 0;
    for (;;) {
        const size_t separator = text.find('#');
        if (count < maxFields)
            fields[count] = text.substr(0, separator);
        ++count;
        if (separator == std::string_view::npos)
            return count;
        text.remove_prefix(separator + 1);
    }
    // END SOLUTION
}

bool SMOP_ParseInt(std::string_view text, int& value)
{
    // BEGIN SOLUTION: accept only an optional '-' then digits, within the range of int (std::from_chars: check its error code and that it used every character)
    // STUB: (void)text;
    // STUB: (void)value;
    // from_chars takes an optional '-', no '+', no blanks, no "0x": exactly
    // the protocol's syntax. It reports a number too large for an int
    // instead of wrapping it, and tells where it stopped, so "12abc" is
    // refused rather than read as 12 (what atoi would do).
    int parsed = 0;
    const char* const end = text.data() + text.size();
    const auto [stop, status] = std::from_chars(text.data(), end, parsed, 10);
    if (status != std::errc() || stop != end)
        return false;
    value = parsed;
    return true;
    // END SOLUTION
}

bool SMOP_Login(const SmopUsers& users, std::string_view user, std::string_view password)
{
    // BEGIN SOLUTION: look the user up in users.passwords and compare the password
    // STUB: (void)users;
    // STUB: (void)user;
    // STUB: (void)password;
    const auto account = users.passwords.find(user);
    return account != users.passwords.end() && account->second == password;
    // END SOLUTION
}

SmopCalcul SMOP_Operation(char op, int a, int b, int& result)
{
    // BEGIN SOLUTION: compute in 64 bits, where + - * of two ints cannot overflow; refuse b == 0 for '/'; report a result outside INT_MIN..INT_MAX
    // STUB: (void)op;
    // STUB: (void)a;
    // STUB: (void)b;
    // STUB: (void)result;
    // In 64 bits, a + b, a - b and a * b of two 32-bit ints are exact; the
    // only quotient that does not fit back is INT_MIN / -1 (= INT_MAX + 1).
    // Overflowing in int instead would be undefined behaviour.
    const int64_t x = a;
    const int64_t y = b;
    int64_t exact = 0;
    switch (op) {
    case '+': exact = x + y; break;
    case '-': exact = x - y; break;
    case '*': exact = x * y; break;
    case '/':
        if (y == 0)
            return SmopCalcul::DivisionParZero;
        exact = x / y;  // truncates toward zero
        break;
    default:
        return SmopCalcul::OperateurInconnu;
    }
    if (exact < INT_MIN || exact > INT_MAX)
        return SmopCalcul::Depassement;
    result = static_cast<int>(exact);
    return SmopCalcul::Ok;
    // END SOLUTION
}

int SMOP(const char* request, int length, char* reply, SmopSession& session, const SmopUsers& users)
{
    // BEGIN SOLUTION: split the request into fields; LOGIN: already logged in? 3 non-empty fields? SMOP_Login; OPER: logged in? 4 fields, one operator char, two SMOP_ParseInt operands, SMOP_Operation; LOGOUT alone: log out; anything else: unknown. Write the reply (bounded) and return its length
    // STUB: (void)request;
    // STUB: (void)length;
    // STUB: (void)reply;
    // STUB: (void)session;
    // STUB: (void)users;
    // Copy `text` as the whole reply. Replies are short (the longest is
    // "OPER#ko#Depassement de capacite !"); the bound is kept all the same.
    auto answer = [reply](std::string_view text) {
        const size_t size = text.size() < TAILLE_MAX_DATA ? text.size() : TAILLE_MAX_DATA;
        std::memcpy(reply, text.data(), size);
        return static_cast<int>(size);
    };

    const std::string_view frame =
        request != nullptr && length > 0 ? std::string_view(request, static_cast<size_t>(length)) : std::string_view();
    // One more room than the longest request has fields: SMOP_Split still
    // counts the fields beyond it, so "OPER#+#1#2#3" is seen to have 5.
    constexpr int kMaxFields = 5;
    std::string_view field[kMaxFields];
    const int count = SMOP_Split(frame, field, kMaxFields);
    const std::string_view command = field[0];

    if (command == "LOGIN") {
        if (session.logged_in)
            return answer("LOGIN#ko#Client deja logge !");
        if (count != 3 || field[1].empty() || field[2].empty())
            return answer("LOGIN#ko#Requete mal formee !");
        if (!SMOP_Login(users, field[1], field[2]))
            return answer("LOGIN#ko#Mauvais identifiants !");
        session.logged_in = true;
        session.user = std::string(field[1]);
        return answer("LOGIN#ok");
    }

    if (command == "OPER") {
        if (!session.logged_in)
            return answer("OPER#ko#Client non logge !");
        int a = 0;
        int b = 0;
        int result = 0;
        if (count != 4 || field[1].size() != 1 || !SMOP_ParseInt(field[2], a) || !SMOP_ParseInt(field[3], b))
            return answer("OPER#ko#Requete mal formee !");
        switch (SMOP_Operation(field[1][0], a, b, result)) {
        case SmopCalcul::Ok: {
            constexpr std::string_view kOk = "OPER#ok#";
            char text[kOk.size() + 12];  // 12: "-2147483648" and a spare
            std::memcpy(text, kOk.data(), kOk.size());
            const auto converted = std::to_chars(text + kOk.size(), text + sizeof text, result);
            return answer(std::string_view(text, static_cast<size_t>(converted.ptr - text)));
        }
        case SmopCalcul::DivisionParZero:
            return answer("OPER#ko#Division par zero !");
        case SmopCalcul::Depassement:
            return answer("OPER#ko#Depassement de capacite !");
        case SmopCalcul::OperateurInconnu:
            break;
        }
        return answer("OPER#ko#Requete mal formee !");
    }

    // LOGOUT takes no field: "LOGOUT#x" is no LOGOUT request.
    if (command == "LOGOUT" && count == 1) {
        session.logged_in = false;
        session.user.clear();
        return answer("LOGOUT#ok");
    }

    return answer("ERREUR#Requete inconnue !");
    // END SOLUTION
}
